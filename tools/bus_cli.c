/* bus_cli — see bus_cli.h. */
#include "tools/bus_cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "xgc_json.h"
#include "xgc_log.h"

xgc_bus_t *xgc_cli_connect(const xgc_config_t *cfg, const char *command)
{
    if (!getenv("XGC_LOG"))
        xgc_log_set_level(XGC_LOG_ERROR);
    char name[64];
    snprintf(name, sizeof name, "xgc-%s", command);
    return xgc_bus_new(cfg, name);
}

int xgc_cli_unreachable(const xgc_config_t *cfg, const char *command)
{
    fprintf(stderr, "xgc %s: no answer from the broker at %s within %d ms\n", command,
            cfg->broker_endpoint, XGC_CLI_TIMEOUT_MS);
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
