/* bus_cli — what the bus sub-commands of `xgc` (get, set, del, ls, tail,
 * broker) share: connecting with a timeout, fetching a prefix, and showing
 * msgpack values as JSON. */
#ifndef XGC_BUS_CLI_H
#define XGC_BUS_CLI_H

#include "xgc_bus.h"
#include "xgc_config.h"
#include "xgc_security.h"

/* How long a tool waits for the broker before giving up (ms). */
#define XGC_CLI_TIMEOUT_MS 5000

/* A bus client named "xgc-<command>"; logging quiet unless XGC_LOG is set. */
xgc_bus_t *xgc_cli_connect(const xgc_config_t *cfg, const char *command);

/* Watch prefix and wait for the snapshot: 0, or -1 after printing
 * "<command>: no answer from the broker at <endpoint>". */
int xgc_cli_fetch(xgc_bus_t *bus, const xgc_config_t *cfg, const char *command,
                  const char *prefix);

/* A msgpack value as compact JSON (malloc'd); undecodable bytes give a JSON
 * string saying so, so that output stays one valid JSON value. */
char *xgc_cli_json(const void *data, size_t len);

/* Print {"key", "seq", "value"} as one JSON line. */
void xgc_cli_print_entry(const char *key, uint64_t seq, const void *value, size_t len);

/* Parse the arguments of "xgc COMMAND [ARG] [--json]" (after -c was taken
 * out): *arg the one positional argument (NULL if none), *json the flag.
 * Anything else: prints "xgc COMMAND: unexpected argument" and the usage,
 * returns -1. */
int xgc_cli_args(int argc, char **argv, const char *command, const char *usage,
                 const char **arg, bool *json);

/* Writes the broker refused (each printed on stderr as it came): a tool
 * that wrote exits with status 3 if this is not 0. */
int xgc_cli_refused(void);
#define XGC_CLI_EXIT_REFUSED 3

/* For a tool's own socket to the broker (e.g. the tap): apply our CURVE
 * keys (if configured) and watch its handshakes; sets a 250 ms receive
 * timeout so that a receive loop can check xgc_cli_handshake_failed().
 * NULL (message printed) if our certificate cannot be read. */
xgc_security_watch_t *xgc_cli_secure(const xgc_config_t *cfg, const char *command,
                                     zsock_t *sock);
/* True (message printed) once the watched socket's handshake failed. */
bool xgc_cli_handshake_failed(xgc_security_watch_t *watch, const char *command);

/* Print "<command>: no answer ..." for an unreachable broker, with the
 * reason if a security handshake failed; returns 1. */
int xgc_cli_unreachable(const xgc_config_t *cfg, const char *command);

#endif
