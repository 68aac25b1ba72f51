/* bus_cli — see bus_cli.h. */
#include "tools/bus_cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "xgc_json.h"
#include "xgc_log.h"
#include "xgc_security.h"

/* security: a write the broker refused (e.g. not allowed for our role) */
static int s_refused;

static void s_on_refused(void *arg, const char *key, const char *reason)
{
    fprintf(stderr, "xgc %s: the broker refused to write %s: %s\n", (const char *)arg,
            key, reason);
    s_refused++;
}

int xgc_cli_refused(void)
{
    return s_refused;
}

xgc_bus_t *xgc_cli_connect(const xgc_config_t *cfg, const char *command)
{
    if (!getenv("XGC_LOG"))
        xgc_log_set_level(XGC_LOG_ERROR);
    char name[64];
    snprintf(name, sizeof name, "xgc-%s", command);
    xgc_bus_t *bus = xgc_bus_new(cfg, name);
    if (!bus)
        exit(1);                                /* the bus logged why */
    xgc_bus_set_handlers(bus, &(xgc_bus_handlers_t){.write_failed = s_on_refused},
                         (void *)command);
    return bus;
}

xgc_security_watch_t *xgc_cli_secure(const xgc_config_t *cfg, const char *command,
                                     zsock_t *sock)
{
    char name[64], err[512];
    snprintf(name, sizeof name, "xgc-%s", command);
    xgc_security_client_t *sec = xgc_security_client_new(cfg, name, err, sizeof err);
    if (!sec) {
        fprintf(stderr, "xgc %s: %s\n", command, err);
        return NULL;
    }
    xgc_security_client_apply(sec, sock);
    xgc_security_client_destroy(&sec);
    zsock_set_rcvtimeo(sock, 250);
    return xgc_security_watch_new(sock);
}

bool xgc_cli_handshake_failed(xgc_security_watch_t *watch, const char *command)
{
    const char *why = xgc_security_watch_check(watch);
    if (why)
        fprintf(stderr, "xgc %s: cannot connect to the broker: %s\n", command, why);
    return why != NULL;
}

int xgc_cli_unreachable(const xgc_config_t *cfg, const char *command)
{
    const char *why = xgc_security_last_failure();
    fprintf(stderr, "xgc %s: no answer from the broker at %s within %d ms%s%s\n", command,
            cfg->broker_endpoint, XGC_CLI_TIMEOUT_MS, why ? ": " : "", why ? why : "");
    return 1;
}

int xgc_cli_fetch(xgc_bus_t *bus, const xgc_config_t *cfg, const char *command,
                  const char *prefix)
{
    if (xgc_bus_watch(bus, prefix) < 0
        || xgc_bus_wait_synced(bus, XGC_CLI_TIMEOUT_MS) < 0) {
        xgc_cli_unreachable(cfg, command);
        return -1;
    }
    return 0;
}

char *xgc_cli_json(const void *data, size_t len)
{
    char err[256];
    char *text = xgc_json_text(data, len, err, sizeof err);
    if (text)
        return text;
    json_t *str = json_sprintf("<undecodable value: %s>", err);
    text = json_dumps(str, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(str);
    return text;
}

void xgc_cli_print_entry(const char *key, uint64_t seq, const void *value, size_t len)
{
    char *text = xgc_cli_json(value, len);
    json_t *line = json_pack("{s:s, s:I}", "key", key, "seq", (json_int_t)seq);
    json_object_set_new(line, "value", json_loads(text, JSON_DECODE_ANY, NULL));
    char *out = json_dumps(line, JSON_COMPACT);
    printf("%s\n", out);
    free(out);
    free(text);
    json_decref(line);
}

int xgc_cli_args(int argc, char **argv, const char *command, const char *usage,
                 const char **arg, bool *json)
{
    *arg = NULL;
    *json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            *json = true;
        else
        if (!*arg && argv[i][0] != '-')
            *arg = argv[i];
        else {
            fprintf(stderr, "xgc %s: unexpected argument '%s'\n%s", command, argv[i], usage);
            return -1;
        }
    }
    return 0;
}
