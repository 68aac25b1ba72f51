/* libFuzzer target: untrusted text through the deployment loader (libyaml,
 * xgc_yaml, xgc_config, and the model loaders for pms: and vms:). It must
 * load or refuse with a message naming a position; never crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xgc_config.h"
#include "xgc_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[XGC_ERR_MAX] = "";
    xgc_config_t *cfg = xgc_config_load_string((const char *)data, size, "f.yaml",
                                               err, sizeof err);
    if (!cfg && strncmp(err, "f.yaml:", 7) != 0)
        abort();                 /* every refusal names the file and a position */
    if (cfg && cfg->pms) {
        xgc_pm_spec_t *pms = NULL;
        size_t count;
        if (xgc_model_load_pms(cfg->pms, &pms, &count, err, sizeof err) < 0
            && strncmp(err, "f.yaml:", 7) != 0)
            abort();
        free(pms);
    }
    if (cfg && cfg->vms) {
        xgc_vm_spec_t *vms = NULL;
        size_t count;
        if (xgc_model_load_vms(cfg->vms, &vms, &count, err, sizeof err) < 0
            && strncmp(err, "f.yaml:", 7) != 0)
            abort();
        free(vms);
    }
    xgc_config_destroy(&cfg);
    return 0;
}
