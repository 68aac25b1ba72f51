/* xgc del KEY — delete one state key, waiting until the delete is durable. */
#include <stdio.h>
#include <string.h>

#include "tools/bus_cli.h"
#include "tools/xgc_cmd.h"

static const char s_usage[] =
    "usage: xgc del KEY [-c FILE.yaml]\n"
    "Delete a state key (deleting a missing key is not an error).\n";

XGC_COMMAND(del, "delete a state key (del KEY)")
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    if (argc != 2 || !xgc_bus_key_valid(argv[1], strlen(argv[1]))) {
        fprintf(stderr, "xgc del: %s\n%s", argc != 2 ? "want one KEY" : "invalid key", s_usage);
        xgc_config_destroy(&cfg);
        return 2;
    }
    xgc_bus_t *bus = xgc_cli_connect(cfg, "del");
    int rc = xgc_bus_del_sync(bus, argv[1], XGC_CLI_TIMEOUT_MS) == 0
             ? 0 : xgc_cli_unreachable(cfg, "del");
    if (xgc_cli_refused())
        rc = XGC_CLI_EXIT_REFUSED;
    xgc_bus_destroy(&bus);
    xgc_config_destroy(&cfg);
    return rc;
}
