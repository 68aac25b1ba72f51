/* xgc — the operator's tool: dispatches `xgc <command> ...` to the
 * sub-commands declared with XGC_COMMAND in tools/cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "tools/xgc_cmd.h"

/* First pass over the generated list: a prototype for every command. */
#undef XGC_COMMAND
#define XGC_COMMAND(name, summary) int xgc_cmd_##name(int argc, char **argv);
#include "xgc_commands.inc"

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} xgc_command_t;

#undef XGC_COMMAND
#define XGC_COMMAND(name, summary) {#name, summary, xgc_cmd_##name},
static const xgc_command_t s_commands[] = {
#include "xgc_commands.inc"
};

static void s_usage(FILE *out)
{
    fprintf(out, "usage: xgc <command> [options]   (xgc <command> --help for more)\n\n"
                 "xgc is a green-computing cluster manager for virtual machines.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        fprintf(out, "  %-10s %s\n", s_commands[i].name, s_commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")
        || !strcmp(argv[1], "help")) {
        s_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        if (!strcmp(argv[1], s_commands[i].name))
            return s_commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "xgc: unknown command '%s'\n", argv[1]);
    s_usage(stderr);
    return 2;
}
