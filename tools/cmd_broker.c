/* xgc broker status [--json] — the broker's counters (uptime, keys, seq,
 * epoch, clients, dropped frames, queues), from its STATUS reply. */
#include <stdio.h>
#include <string.h>

#include "tools/bus_cli.h"
#include "tools/xgc_cmd.h"
#include "xgc_json.h"

static const char s_usage[] =
    "usage: xgc broker status [--json] [-c FILE.yaml]\n"
    "Show the broker's status; the fields are described in docs/bus.md.\n";

static void s_print_text(json_t *status)
{
    const char *name;
    json_t *value;
    json_object_foreach(status, name, value) {
        char *text = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
        printf("%-16s %s\n", name, text);
        free(text);
    }
}

XGC_COMMAND(broker, "show the broker's status (broker status [--json])")
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    bool json = argc == 3 && !strcmp(argv[2], "--json");
    if (argc < 2 || strcmp(argv[1], "status") != 0 || (argc == 3 && !json) || argc > 3) {
        fprintf(stderr, "%s", s_usage);
        xgc_config_destroy(&cfg);
        return 2;
    }
    xgc_bus_t *bus = xgc_cli_connect(cfg, "broker");
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = 1;
    char err[256];
    json_t *status = NULL;
    if (xgc_bus_status(bus, XGC_CLI_TIMEOUT_MS, &data, &len) < 0)
        xgc_cli_unreachable(cfg, "broker status");
    else
    if (!(status = xgc_json_from_msgpack(data, len, err, sizeof err)))
        fprintf(stderr, "xgc broker status: undecodable reply: %s\n", err);
    else {
        if (json) {
            char *text = json_dumps(status, JSON_COMPACT);
            printf("%s\n", text);
            free(text);
        }
        else
            s_print_text(status);
        rc = 0;
    }
    json_decref(status);
    free(data);
    xgc_bus_destroy(&bus);
    xgc_config_destroy(&cfg);
    return rc;
}
