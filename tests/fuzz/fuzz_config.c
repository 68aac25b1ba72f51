/* libFuzzer target: untrusted text through the deployment loader (libyaml,
 * xgc_yaml, xgc_config). It must load or refuse with a message naming a
 * position; never crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xgc_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[XGC_ERR_MAX] = "";
    xgc_config_t *cfg = xgc_config_load_string((const char *)data, size, "f.yaml",
                                               err, sizeof err);
    if (!cfg && strncmp(err, "f.yaml:", 7) != 0)
        abort();                 /* every refusal names the file and a position */
    xgc_config_destroy(&cfg);
    return 0;
}
