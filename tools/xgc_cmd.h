/* xgc_cmd.h — how a sub-command of the `xgc` tool is declared.
 *
 * A file tools/cmd_<name>.c defines its entry point with
 *     XGC_COMMAND(name, "one-line summary")
 *     { ... return exit status; }
 * at the start of a line. The build collects those lines into
 * build/gen/xgc_commands.inc, so adding a command touches no shared file.
 * Exit statuses: 0 success, 1 failure, 2 bad usage or bad input.
 */
#ifndef XGC_CMD_H
#define XGC_CMD_H

#define XGC_COMMAND(name, summary) int xgc_cmd_##name(int argc, char **argv)

#endif
