/* xgc_model — validation, the power model and the YAML loaders of the PM and
 * VM specifications declared in xgc_model.h.
 *
 * Every check lives in one place (s_pm_problem / s_vm_problem) that names the
 * faulty field and the reason; the public validators prefix it with the
 * machine's name, the loaders with the file:line:col of the faulty field, so
 * that a refused deployment or instance file points at the very value to fix.
 * A VM too large for every PM is not an error here: placement reports it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xgc_model.h"

/* ---- validation ---------------------------------------------------------- */

/* The first problem of a PM: the field's name, with the reason in `why`, or
 * NULL when the spec is valid. */
static const char *s_pm_problem(const xgc_pm_spec_t *pm, char *why, size_t len)
{
    if (!pm->name[0])
        return snprintf(why, len, "must not be empty"), "name";
    if (!(pm->cpu_mhz > 0))
        return snprintf(why, len, "must be positive (%g)", pm->cpu_mhz), "cpu_mhz";
    if (pm->mem_mb < 0)
        return snprintf(why, len, "must not be negative (%g)", pm->mem_mb), "mem_mb";
    if (pm->cores < 0)
        return snprintf(why, len, "must not be negative (%d)", pm->cores), "cores";
    if (pm->power_cost < 0)
        return snprintf(why, len, "must not be negative (%g)", pm->power_cost), "power_cost";
    const xgc_power_model_t *pw = &pm->power;
    if (pw->table_n != 0 && pw->table_n != XGC_POWER_POINTS)
        return snprintf(why, len, "table_w needs %d values", XGC_POWER_POINTS), "power";
    for (int k = 0; k < pw->table_n; k++)
        if (pw->table_w[k] < 0)
            return snprintf(why, len, "table_w[%d] must not be negative", k), "power";
    if (pw->idle_w < 0 || pw->peak_w < 0)
        return snprintf(why, len, "watts must not be negative"), "power";
    if (pw->table_n == 0 && pw->peak_w < pw->idle_w)
        return snprintf(why, len, "peak_w (%g) below idle_w (%g)", pw->peak_w, pw->idle_w),
               "power";
    if (strcmp(pm->driver, "sim") && strcmp(pm->driver, "xl") && strcmp(pm->driver, "qemu"))
        return snprintf(why, len, "'%s' is not one of sim, xl, qemu", pm->driver), "driver";
    return NULL;
}

static const char *s_vm_problem(const xgc_vm_spec_t *vm, char *why, size_t len)
{
    if (!vm->name[0])
        return snprintf(why, len, "must not be empty"), "name";
    if (vm->min_mhz < 0)
        return snprintf(why, len, "must not be negative (%g)", vm->min_mhz), "min_mhz";
    if (vm->max_mhz < vm->min_mhz)
        return snprintf(why, len, "min_mhz %g > max_mhz %g", vm->min_mhz, vm->max_mhz),
               "max_mhz";
    if (!(vm->shares > 0))
        return snprintf(why, len, "must be positive (%g)", vm->shares), "shares";
    if (vm->mem_mb < 0)
        return snprintf(why, len, "must not be negative (%g)", vm->mem_mb), "mem_mb";
    if (vm->utility_min < 0)
        return snprintf(why, len, "must not be negative (%g)", vm->utility_min), "utility_min";
    if (vm->utility_max < vm->utility_min)
        return snprintf(why, len, "utility_min %g > utility_max %g", vm->utility_min,
                        vm->utility_max), "utility_max";
    return NULL;
}

int xgc_pm_spec_validate(const xgc_pm_spec_t *pm, char *err, size_t errlen)
{
    char why[256];
    const char *field = s_pm_problem(pm, why, sizeof why);
    if (!field)
        return 0;
    snprintf(err, errlen, "pm '%s': field '%s': %s", pm->name, field, why);
    return -1;
}

int xgc_vm_spec_validate(const xgc_vm_spec_t *vm, char *err, size_t errlen)
{
    char why[256];
    const char *field = s_vm_problem(vm, why, sizeof why);
    if (!field)
        return 0;
    snprintf(err, errlen, "vm '%s': field '%s': %s", vm->name, field, why);
    return -1;
}

/* ---- power --------------------------------------------------------------- */

double xgc_power_watts(const xgc_power_model_t *model, double load)
{
    if (!(load > 0))
        load = 0;
    if (load > 1)
        load = 1;
    if (model->table_n != XGC_POWER_POINTS)
        return model->idle_w + (model->peak_w - model->idle_w) * load;
    double pos = load * (XGC_POWER_POINTS - 1);
    int k = (int)floor(pos);
    if (k >= XGC_POWER_POINTS - 1)
        return model->table_w[XGC_POWER_POINTS - 1];
    return model->table_w[k] + (model->table_w[k + 1] - model->table_w[k]) * (pos - k);
}

/* ---- loaders ------------------------------------------------------------- */

/* Copy a string field into a fixed buffer, refusing what does not fit. */
static int s_copy_string(const xgc_yaml_node_t *node, const char *field, char *dst,
                         size_t size, char *err, size_t errlen)
{
    const char *text;
    if (xgc_yaml_string(node, field, &text, err, errlen) < 0)
        return -1;
    if (strlen(text) >= size)
        return xgc_yaml_error(err, errlen, node, field, "longer than %zu characters",
                              size - 1);
    strcpy(dst, text);
    return 0;
}

/* A required number: a missing key is reported at the item's position. */
static int s_number(const xgc_yaml_node_t *map, const char *field, bool required,
                    double *out, char *err, size_t errlen)
{
    const xgc_yaml_node_t *node = xgc_yaml_get(map, field);
    if (!node)
        return required ? xgc_yaml_error(err, errlen, map, field, "missing") : 0;
    return xgc_yaml_double(node, field, out, err, errlen);
}

static int s_name(const xgc_yaml_node_t *map, char *dst, char *err, size_t errlen)
{
    const xgc_yaml_node_t *node = xgc_yaml_get(map, "name");
    if (!node)
        return xgc_yaml_error(err, errlen, map, "name", "missing");
    return s_copy_string(node, "name", dst, XGC_NAME_MAX, err, errlen);
}

static int s_load_power(const xgc_yaml_node_t *node, xgc_power_model_t *pw, char *err,
                        size_t errlen)
{
    static const char *const keys[] = {"idle_w", "peak_w", "table_w", NULL};
    if (xgc_yaml_check_keys(node, keys, "power", err, errlen) < 0)
        return -1;
    const xgc_yaml_node_t *table = xgc_yaml_get(node, "table_w");
    bool linear = xgc_yaml_get(node, "idle_w") || xgc_yaml_get(node, "peak_w");
    if (table && linear)
        return xgc_yaml_error(err, errlen, node, "power",
                              "give either idle_w and peak_w, or table_w");
    if (!table)
        return s_number(node, "idle_w", true, &pw->idle_w, err, errlen) < 0
                       || s_number(node, "peak_w", true, &pw->peak_w, err, errlen) < 0
                   ? -1 : 0;
    if (table->kind != XGC_YAML_SEQ || table->count != XGC_POWER_POINTS)
        return xgc_yaml_error(err, errlen, table, "table_w",
                              "needs a list of %d values (W at 0, 10, ..., 100 %%)",
                              XGC_POWER_POINTS);
    for (int k = 0; k < XGC_POWER_POINTS; k++)
        if (xgc_yaml_double(table->items[k], "table_w", &pw->table_w[k], err, errlen) < 0)
            return -1;
    pw->table_n = XGC_POWER_POINTS;
    return 0;
}

static int s_load_pm(const xgc_yaml_node_t *map, xgc_pm_spec_t *pm, char *err, size_t errlen)
{
    static const char *const keys[] = {"name", "cpu_mhz", "mem_mb", "cores", "power_cost",
                                       "power", "driver", "address", "driver_opts", "pmd", NULL};
    if (xgc_yaml_check_keys(map, keys, "a pm", err, errlen) < 0)
        return -1;
    memset(pm, 0, sizeof *pm);
    strcpy(pm->driver, "sim");
    double cores = 0;
    if (s_name(map, pm->name, err, errlen) < 0
        || s_number(map, "cpu_mhz", true, &pm->cpu_mhz, err, errlen) < 0
        || s_number(map, "mem_mb", true, &pm->mem_mb, err, errlen) < 0
        || s_number(map, "cores", false, &cores, err, errlen) < 0
        || s_number(map, "power_cost", false, &pm->power_cost, err, errlen) < 0)
        return -1;
    if (cores != floor(cores) || fabs(cores) > 1e6)
        return xgc_yaml_error(err, errlen, xgc_yaml_get(map, "cores"), "cores",
                              "must be a whole number");
    pm->cores = (int)cores;
    const xgc_yaml_node_t *node;
    if ((node = xgc_yaml_get(map, "power")) && s_load_power(node, &pm->power, err, errlen) < 0)
        return -1;
    if ((node = xgc_yaml_get(map, "driver"))
        && s_copy_string(node, "driver", pm->driver, sizeof pm->driver, err, errlen) < 0)
        return -1;
    if ((node = xgc_yaml_get(map, "address"))
        && s_copy_string(node, "address", pm->address, sizeof pm->address, err, errlen) < 0)
        return -1;
    if ((node = xgc_yaml_get(map, "driver_opts")) && node->kind != XGC_YAML_MAP)
        return xgc_yaml_error(err, errlen, node, "driver_opts", "expected a mapping");
    char why[256];
    const char *field = s_pm_problem(pm, why, sizeof why);
    if (field) {
        node = xgc_yaml_get(map, field);
        return xgc_yaml_error(err, errlen, node ? node : map, field, "%s", why);
    }
    return 0;
}

static int s_load_vm(const xgc_yaml_node_t *map, xgc_vm_spec_t *vm, char *err, size_t errlen)
{
    static const char *const keys[] = {"name", "min_mhz", "max_mhz", "shares", "mem_mb",
                                       "utility_min", "utility_max", "image", NULL};
    if (xgc_yaml_check_keys(map, keys, "a vm", err, errlen) < 0)
        return -1;
    memset(vm, 0, sizeof *vm);
    vm->shares = 256;                      /* Xen's default weight */
    vm->utility_max = NAN;                 /* defaults to utility_min */
    if (s_name(map, vm->name, err, errlen) < 0
        || s_number(map, "min_mhz", true, &vm->min_mhz, err, errlen) < 0
        || s_number(map, "max_mhz", true, &vm->max_mhz, err, errlen) < 0
        || s_number(map, "shares", false, &vm->shares, err, errlen) < 0
        || s_number(map, "mem_mb", true, &vm->mem_mb, err, errlen) < 0
        || s_number(map, "utility_min", false, &vm->utility_min, err, errlen) < 0
        || s_number(map, "utility_max", false, &vm->utility_max, err, errlen) < 0)
        return -1;
    if (isnan(vm->utility_max))
        vm->utility_max = vm->utility_min;
    const xgc_yaml_node_t *node = xgc_yaml_get(map, "image");
    if (node && s_copy_string(node, "image", vm->image, sizeof vm->image, err, errlen) < 0)
        return -1;
    char why[256];
    const char *field = s_vm_problem(vm, why, sizeof why);
    if (field) {
        node = xgc_yaml_get(map, field);
        return xgc_yaml_error(err, errlen, node ? node : map, field, "%s", why);
    }
    return 0;
}

/* Duplicate names, in O(n log n): sort the names with their index and report
 * the later occurrence of the first duplicate in file order. */
typedef struct {
    const char *name;
    size_t index;
} s_named_t;

static int s_named_cmp(const void *a, const void *b)
{
    const s_named_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int s_check_duplicates(const xgc_yaml_node_t *seq, const char *names, size_t stride,
                              size_t count, char *err, size_t errlen)
{
    s_named_t *all = malloc((count ? count : 1) * sizeof *all);
    if (!all)
        return snprintf(err, errlen, "out of memory"), -1;
    for (size_t i = 0; i < count; i++)
        all[i] = (s_named_t){names + i * stride, i};
    qsort(all, count, sizeof *all, s_named_cmp);
    size_t worst = count;
    for (size_t i = 1; i < count; i++)
        if (!strcmp(all[i - 1].name, all[i].name) && (worst == count || all[i].index < worst))
            worst = all[i].index;
    free(all);
    if (worst == count)
        return 0;
    const xgc_yaml_node_t *item = seq->items[worst];
    const xgc_yaml_node_t *node = xgc_yaml_get(item, "name");
    return xgc_yaml_error(err, errlen, node ? node : item, "name", "duplicate name '%s'",
                          names + worst * stride);
}

typedef int (*s_item_loader_t)(const xgc_yaml_node_t *, void *, char *, size_t);

/* The common walk of `pms:` and `vms:`: one item after the other into an
 * array of `size`-byte specs whose name is at offset 0. */
static int s_load_seq(const xgc_yaml_node_t *seq, const char *what, size_t size,
                      s_item_loader_t load, void **out, size_t *count, char *err,
                      size_t errlen)
{
    *out = NULL;
    *count = 0;
    if (!seq)
        return 0;
    if (seq->kind != XGC_YAML_SEQ)
        return xgc_yaml_error(err, errlen, seq, what, "expected a list");
    char *items = calloc(seq->count ? seq->count : 1, size);
    if (!items)
        return snprintf(err, errlen, "out of memory"), -1;
    for (size_t i = 0; i < seq->count; i++)
        if (load(seq->items[i], items + i * size, err, errlen) < 0) {
            free(items);
            return -1;
        }
    if (s_check_duplicates(seq, items, size, seq->count, err, errlen) < 0) {
        free(items);
        return -1;
    }
    *out = items;
    *count = seq->count;
    return 0;
}

static int s_pm_item(const xgc_yaml_node_t *map, void *dst, char *err, size_t errlen)
{
    return s_load_pm(map, dst, err, errlen);
}

static int s_vm_item(const xgc_yaml_node_t *map, void *dst, char *err, size_t errlen)
{
    return s_load_vm(map, dst, err, errlen);
}

int xgc_model_load_pms(const xgc_yaml_node_t *seq, xgc_pm_spec_t **out, size_t *count,
                       char *err, size_t errlen)
{
    _Static_assert(offsetof(xgc_pm_spec_t, name) == 0, "name first");
    void *items;
    int rc = s_load_seq(seq, "pms", sizeof(xgc_pm_spec_t), s_pm_item, &items, count, err,
                        errlen);
    *out = items;
    return rc;
}

int xgc_model_load_vms(const xgc_yaml_node_t *seq, xgc_vm_spec_t **out, size_t *count,
                       char *err, size_t errlen)
{
    _Static_assert(offsetof(xgc_vm_spec_t, name) == 0, "name first");
    void *items;
    int rc = s_load_seq(seq, "vms", sizeof(xgc_vm_spec_t), s_vm_item, &items, count, err,
                        errlen);
    *out = items;
    return rc;
}
