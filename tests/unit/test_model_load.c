/* Unit tests of common/xgc_model: loaders, defaults, errors with positions,
 * validators and the power model. */
#include <stdlib.h>

#include "xgc_model.h"
#include "xgc_test.h"

/* Load `text` and return the loader's status; err holds the message. */
static int s_load(const char *text, xgc_pm_spec_t **pms, size_t *npm, xgc_vm_spec_t **vms,
                  size_t *nvm, char *err)
{
    *pms = NULL;
    *vms = NULL;
    xgc_yaml_node_t *root = xgc_yaml_load_string(text, strlen(text), "i.yaml", err,
                                                 XGC_ERR_MAX);
    if (!root)
        return -1;
    int rc = xgc_model_load_pms(xgc_yaml_get(root, "pms"), pms, npm, err, XGC_ERR_MAX);
    if (rc == 0)
        rc = xgc_model_load_vms(xgc_yaml_get(root, "vms"), vms, nvm, err, XGC_ERR_MAX);
    xgc_yaml_destroy(&root);
    return rc;
}

/* Expect `text` refused with exactly `expected`. */
static int s_refused(const char *text, const char *expected)
{
    xgc_pm_spec_t *pms;
    xgc_vm_spec_t *vms;
    size_t npm, nvm;
    char err[XGC_ERR_MAX] = "";
    int rc = s_load(text, &pms, &npm, &vms, &nvm, err);
    free(pms);
    free(vms);
    if (rc == 0 || strcmp(err, expected) != 0) {
        fprintf(stderr, "got rc=%d err=\"%s\"\n  expected \"%s\"\n", rc, err, expected);
        return 0;
    }
    return 1;
}

XGC_TEST(loads_pms_and_vms_with_defaults)
{
    const char *text =
        "pms:\n"
        "  - {name: pm1, cpu_mhz: 8000, mem_mb: 4096, power_cost: 40}\n"
        "  - name: pm2\n"
        "    cpu_mhz: 4000\n"
        "    mem_mb: 2048\n"
        "    cores: 2\n"
        "    driver: xl\n"
        "    address: tcp://10.0.0.2:7710\n"
        "    driver_opts: {bridge: xenbr0}\n"
        "    power: {table_w: [86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117]}\n"
        "vms:\n"
        "  - {name: vm1, min_mhz: 500, max_mhz: 1500, shares: 128, mem_mb: 512,"
        " utility_min: 30, utility_max: 50, image: arch.cfg}\n"
        "  - {name: vm2, min_mhz: 100, max_mhz: 100, mem_mb: 64}\n";
    xgc_pm_spec_t *pms;
    xgc_vm_spec_t *vms;
    size_t npm, nvm;
    char err[XGC_ERR_MAX];
    CHECK(s_load(text, &pms, &npm, &vms, &nvm, err) == 0);
    CHECK(npm == 2 && nvm == 2);
    CHECK_STR(pms[0].name, "pm1");
    CHECK_STR(pms[0].driver, "sim");
    CHECK_NEAR(pms[0].power_cost, 40, 0);
    CHECK_STR(pms[1].driver, "xl");
    CHECK_STR(pms[1].address, "tcp://10.0.0.2:7710");
    CHECK(pms[1].cores == 2 && pms[1].power.table_n == XGC_POWER_POINTS);
    CHECK_NEAR(xgc_power_watts(&pms[1].power, 0.05), (86 + 89.4) / 2, 1e-9);
    CHECK_NEAR(xgc_power_watts(&pms[1].power, 1.5), 117, 0);
    CHECK_STR(vms[0].image, "arch.cfg");
    CHECK_NEAR(vms[0].shares, 128, 0);
    CHECK_NEAR(vms[1].shares, 256, 0);          /* Xen's default weight */
    CHECK_NEAR(vms[1].utility_max, 0, 0);
    CHECK(xgc_vm_spec_validate(&vms[0], err, sizeof err) == 0);
    CHECK(xgc_pm_spec_validate(&pms[1], err, sizeof err) == 0);
    free(pms);
    free(vms);
}

XGC_TEST(refuses_invalid_values_with_position)
{
    CHECK(s_refused("vms:\n  - {name: a, min_mhz: 900, max_mhz: 500, mem_mb: 1}\n",
                    "i.yaml:2:38: field 'max_mhz': min_mhz 900 > max_mhz 500"));
    CHECK(s_refused("vms:\n  - {name: a, min_mhz: 1, max_mhz: 5, shares: 0, mem_mb: 1}\n",
                    "i.yaml:2:47: field 'shares': must be positive (0)"));
    CHECK(s_refused("vms:\n  - {name: a, min_mhz: 1, max_mhz: 5, mem_mb: -3}\n",
                    "i.yaml:2:47: field 'mem_mb': must not be negative (-3)"));
    CHECK(s_refused("pms:\n  - {name: p, cpu_mhz: 10, mem_mb: 1, power_cost: -1}\n",
                    "i.yaml:2:51: field 'power_cost': must not be negative (-1)"));
    CHECK(s_refused("vms:\n  - {name: a, min_mhz: 1, max_mhz: 5, mem_mb: 1}\n"
                    "  - {name: b, min_mhz: 1, max_mhz: 5, mem_mb: 1}\n"
                    "  - {name: a, min_mhz: 1, max_mhz: 5, mem_mb: 1}\n",
                    "i.yaml:4:12: field 'name': duplicate name 'a'"));
    CHECK(s_refused("vms:\n  - {name: a, min_mhz: 1, max_mhz: 5, mem_mb: 1, cpu: 3}\n",
                    "i.yaml:2:50: field 'cpu': unknown key in a vm"));
    CHECK(s_refused("pms:\n  - {name: p, mem_mb: 1}\n",
                    "i.yaml:2:5: field 'cpu_mhz': missing"));
    CHECK(s_refused("pms:\n  - {name: p, cpu_mhz: 10, mem_mb: 1, driver: kvm}\n",
                    "i.yaml:2:47: field 'driver': 'kvm' is not one of sim, xl, qemu"));
    CHECK(s_refused("pms:\n  - {name: p, cpu_mhz: 10, mem_mb: 1, power: {table_w: [1, 2]}}\n",
                    "i.yaml:2:56: field 'table_w': needs a list of 11 values "
                    "(W at 0, 10, ..., 100 %)"));
    CHECK(s_refused("pms: {a: 1}\n", "i.yaml:1:6: field 'pms': expected a list"));
}

XGC_TEST(validators_name_the_machine)
{
    xgc_vm_spec_t vm = {.name = "web", .min_mhz = 10, .max_mhz = 5, .shares = 1};
    char err[XGC_ERR_MAX];
    CHECK(xgc_vm_spec_validate(&vm, err, sizeof err) < 0);
    CHECK_STR(err, "vm 'web': field 'max_mhz': min_mhz 10 > max_mhz 5");
    xgc_pm_spec_t pm = {.name = "p", .cpu_mhz = 100, .driver = "sim",
                        .power = {.idle_w = 90, .peak_w = 50}};
    CHECK(xgc_pm_spec_validate(&pm, err, sizeof err) < 0);
    CHECK_STR(err, "pm 'p': field 'power': peak_w (50) below idle_w (90)");
    pm.power.peak_w = 130;
    CHECK(xgc_pm_spec_validate(&pm, err, sizeof err) == 0);
    CHECK_NEAR(xgc_power_watts(&pm.power, 0.5), 110, 1e-9);
    CHECK_NEAR(xgc_power_watts(&pm.power, -1), 90, 0);
}

int main(void)
{
    XGC_TEST_RUN(loads_pms_and_vms_with_defaults);
    XGC_TEST_RUN(refuses_invalid_values_with_position);
    XGC_TEST_RUN(validators_name_the_machine);
    return XGC_TEST_END();
}
