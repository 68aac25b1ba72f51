/* xgc set KEY VALUE [--ttl MS] — write one state key and wait until the
 * broker has it on disk. VALUE is YAML or JSON (a map); a key with a known
 * schema (docs/protocol.md) is checked against it before anything is sent. */
#include <stdio.h>
#include <string.h>

#include "tools/bus_cli.h"
#include "tools/xgc_cmd.h"
#include "xgc_json.h"
#include "xgc_msg.h"

static const char s_usage[] =
    "usage: xgc set KEY VALUE [--ttl MS] [-c FILE.yaml]\n"
    "Write a state key; VALUE is a YAML or JSON map, e.g. '{v: 1, drain: true}'.\n"
    "--ttl MS: the broker deletes the key MS milliseconds later.\n"
    "Exit status 2 on bad input (nothing written), 1 if not acknowledged,\n"
    "3 if the broker refused the write (e.g. not allowed for this role).\n";

static int s_bad(xgc_config_t **cfg, const char *what, const char *detail)
{
    fprintf(stderr, "xgc set: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    xgc_config_destroy(cfg);
    return 2;
}

XGC_COMMAND(set, "write a state key (set KEY VALUE [--ttl MS])")
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    const char *key = NULL, *text = NULL;
    long long ttl = 0;
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (!strcmp(argv[i], "--ttl") && i + 1 < argc) {
            ttl = strtoll(argv[++i], &end, 10);
            if (*end || ttl <= 0)
                return s_bad(&cfg, "--ttl wants a positive number of ms", argv[i]);
        }
        else
        if (!key)
            key = argv[i];
        else
        if (!text)
            text = argv[i];
        else
            return s_bad(&cfg, "unexpected argument", argv[i]);
    }
    if (!key || !text)
        return s_bad(&cfg, "usage", "xgc set KEY VALUE [--ttl MS]");
    if (!xgc_bus_key_valid(key, strlen(key)))
        return s_bad(&cfg, "invalid key (printable, no spaces, not starting with '$')", key);
    void *value = NULL;
    size_t len = 0;
    char err[512];
    if (xgc_json_to_msgpack(text, strlen(text), "VALUE", &value, &len, err, sizeof err) < 0)
        return s_bad(&cfg, "bad VALUE", err);
    const char *schema = xgc_msg_schema_of_key(key);
    int rc = 2;
    if (!xgc_bus_value_valid(value, len))
        fprintf(stderr, "xgc set: VALUE must be a map, e.g. '{v: 1, ...}'\n");
    else
    if (schema && xgc_msg_check_schema(schema, value, len, err, sizeof err) < 0)
        fprintf(stderr, "xgc set: VALUE does not fit %s (%s): %s\n", key, schema, err);
    else {
        xgc_bus_t *bus = xgc_cli_connect(cfg, "set");
        rc = xgc_bus_set_sync(bus, key, value, len, (uint64_t)ttl, XGC_CLI_TIMEOUT_MS) == 0
             ? 0 : xgc_cli_unreachable(cfg, "set");
        if (xgc_cli_refused())
            rc = XGC_CLI_EXIT_REFUSED;
        xgc_bus_destroy(&bus);
    }
    free(value);
    xgc_config_destroy(&cfg);
    return rc;
}
