/* xgc ls PREFIX [--json] — the keys under a prefix, sorted. */
#include <stdio.h>
#include <string.h>

#include "tools/bus_cli.h"
#include "tools/xgc_cmd.h"

static const char s_usage[] =
    "usage: xgc ls [PREFIX] [--json] [-c FILE.yaml]\n"
    "List the state keys starting with PREFIX (default: all), sorted:\n"
    "'KEY  #SEQ  VALUE' lines, or with --json one {key, seq, value} per line.\n";

static void s_print(void *arg, const char *key, const uint8_t *value, size_t len,
                    uint64_t seq)
{
    if (*(bool *)arg) {
        xgc_cli_print_entry(key, seq, value, len);
        return;
    }
    char *text = xgc_cli_json(value, len);
    printf("%-32s #%-8" PRIu64 " %s\n", key, seq, text);
    free(text);
}

XGC_COMMAND(ls, "list state keys under a prefix (ls PREFIX [--json])")
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    const char *prefix = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else
        if (!prefix && argv[i][0] != '-' && strlen(argv[i]) <= XGC_BUS_MAX_KEY)
            prefix = argv[i];
        else {
            fprintf(stderr, "xgc ls: unexpected argument '%s'\n%s", argv[i], s_usage);
            xgc_config_destroy(&cfg);
            return 2;
        }
    }
    xgc_bus_t *bus = xgc_cli_connect(cfg, "ls");
    int rc = 1;
    if (xgc_cli_fetch(bus, cfg, "ls", prefix ? prefix : "") == 0) {
        xgc_bus_foreach(bus, prefix ? prefix : "", s_print, &json);
        rc = 0;
    }
    xgc_bus_destroy(&bus);
    xgc_config_destroy(&cfg);
    return rc;
}
