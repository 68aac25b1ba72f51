/* xgc get KEY [--json] — one key of the blackboard, from a snapshot. */
#include <stdio.h>
#include <string.h>

#include "tools/bus_cli.h"
#include "tools/xgc_cmd.h"

static const char s_usage[] =
    "usage: xgc get KEY [--json] [-c FILE.yaml]\n"
    "Print the value of a state key as JSON (--json: {key, seq, epoch, value}).\n"
    "Exit status 1 if the key does not exist or the broker does not answer.\n";

XGC_COMMAND(get, "print one state key (get KEY [--json])")
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    const char *key = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else
        if (!key && argv[i][0] != '-')
            key = argv[i];
        else {
            fprintf(stderr, "xgc get: unexpected argument '%s'\n%s", argv[i], s_usage);
            xgc_config_destroy(&cfg);
            return 2;
        }
    }
    if (!key || !xgc_bus_key_valid(key, strlen(key))) {
        fprintf(stderr, "xgc get: %s\n%s", key ? "invalid key" : "missing KEY", s_usage);
        xgc_config_destroy(&cfg);
        return 2;
    }
    xgc_bus_t *bus = xgc_cli_connect(cfg, "get");
    int rc = 1;
    if (xgc_cli_fetch(bus, cfg, "get", key) == 0) {
        size_t len;
        uint64_t seq;
        const uint8_t *value = xgc_bus_get(bus, key, &len, &seq);
        if (!value)
            fprintf(stderr, "xgc get: %s: no such key\n", key);
        else {
            if (json)
                xgc_cli_print_entry(key, seq, value, len);
            else {
                char *text = xgc_cli_json(value, len);
                printf("%s\n", text);
                free(text);
            }
            rc = 0;
        }
    }
    xgc_bus_destroy(&bus);
    xgc_config_destroy(&cfg);
    return rc;
}
