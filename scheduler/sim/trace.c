/* trace.c — loaders of CPU traces (PlanetLab folder, generic CSV). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scheduler/sim/trace.h"

static const double s_type_mips[4] = {2500, 2000, 1000, 500};
static const int s_type_ram[4] = {870, 1740, 1740, 613};

static void s_msg(char *buf, size_t len, const char *fmt, ...)
{
    if (!buf || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

/* Appends one warning line, silently truncating when the buffer is full. */
static void s_warn(char *buf, size_t len, const char *fmt, ...)
{
    if (!buf || !len)
        return;
    size_t used = strlen(buf);
    if (used + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

void xgc_trace_assign_types(xgc_trace_t *t)
{
    int n = 0;
    for (int v = 0; v < t->n_vms; v++)
        if (t->vms[v].type >= 0 || t->vms[v].mips <= 0)
            n++;
    int block = (n + 3) / 4, i = 0;
    for (int v = 0; v < t->n_vms; v++) {
        xgc_trace_vm_t *vm = &t->vms[v];
        if (vm->type < 0 && vm->mips > 0)
            continue;
        vm->type = block ? i++ / block : 0;
        vm->mips = s_type_mips[vm->type];
        vm->ram_mb = s_type_ram[vm->type];
    }
}

void xgc_trace_destroy(xgc_trace_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    xgc_trace_t *t = *self_p;
    for (int v = 0; v < t->n_vms; v++)
        free(t->vms[v].name);
    free(t->vms);
    free(t->cpu);
    free(t);
    *self_p = NULL;
}

static xgc_trace_t *s_alloc(int n_vms, int n_steps, double interval_s)
{
    xgc_trace_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->n_steps = n_steps;
    t->interval_s = interval_s;
    t->vms = calloc((size_t)(n_vms ? n_vms : 1), sizeof *t->vms);
    t->cpu = calloc((size_t)(n_vms ? n_vms : 1) * (size_t)(n_steps ? n_steps : 1),
                    sizeof *t->cpu);
    if (!t->vms || !t->cpu) {
        xgc_trace_destroy(&t);
        return NULL;
    }
    return t;
}

xgc_trace_t *xgc_trace_new(int n_vms, int n_steps, double interval_s, const float *cpu)
{
    xgc_trace_t *t = s_alloc(n_vms, n_steps, interval_s);
    if (!t)
        return NULL;
    t->n_vms = n_vms;
    for (int v = 0; v < n_vms; v++) {
        char name[32];
        snprintf(name, sizeof name, "vm%d", v);
        t->vms[v].name = strdup(name);
        t->vms[v].type = 0;
    }
    if (cpu)
        memcpy(t->cpu, cpu, (size_t)n_vms * (size_t)n_steps * sizeof *cpu);
    xgc_trace_assign_types(t);
    return t;
}

/* ---- PlanetLab folder ---------------------------------------------------- */

/* Reads one file of integers 0..100; returns the count, or -1 with a reason
 * (line number in *bad_line). At most max values are stored. */
static int s_read_samples(const char *path, float *out, int max, int *bad_line)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        *bad_line = 0;
        return -1;
    }
    char line[256];
    int n = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[strspn(line, " \t\r\n")] == '\0' && !fgets(line, sizeof line, f))
            break;   /* a blank last line is tolerated */
        char *start = line + strspn(line, " \t"), *end;
        errno = 0;
        long val = strtol(start, &end, 10);
        int digits = end != start;
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
            end++;
        if (!digits || *end || errno || val < 0 || val > 100) {
            fclose(f);
            *bad_line = lineno;
            return -1;
        }
        if (n < max)
            out[n] = (float)val;
        n++;
    }
    fclose(f);
    return n;
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular, non-hidden files of dir, sorted by name; NULL on error. */
static char **s_list_dir(const char *dir, int *count, char *err, size_t err_len)
{
    DIR *d = opendir(dir);
    if (!d) {
        s_msg(err, err_len, "%s: cannot open trace folder: %s", dir, strerror(errno));
        return NULL;
    }
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            char **grown = realloc(names, (size_t)cap * sizeof *names);
            if (!grown)
                break;
            names = grown;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, (size_t)n, sizeof *names, s_cmp_str);
    *count = n;
    if (!names)
        names = calloc(1, sizeof *names);
    return names;
}

xgc_trace_t *xgc_trace_load_planetlab(const char *dir, char *err, size_t err_len,
                                      char *warn, size_t warn_len)
{
    if (warn && warn_len)
        warn[0] = '\0';
    int n_files = 0;
    char **names = s_list_dir(dir, &n_files, err, err_len);
    if (!names)
        return NULL;
    enum { MAX_STEPS = 100000 };
    float *buf = malloc(MAX_STEPS * sizeof *buf);
    xgc_trace_t *t = NULL;
    int steps = -1;
    for (int i = 0; i < n_files && buf; i++) {
        char path[4096];
        int bad = 0;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        int n = s_read_samples(path, buf, MAX_STEPS, &bad);
        if (n > MAX_STEPS || n == 0)
            n = -1;
        if (n > 0 && steps < 0) {
            steps = n;
            t = s_alloc(n_files, steps, 300);
            if (!t)
                break;
        }
        if (n < 0 || n != steps) {
            if (n < 0 && bad)
                s_warn(warn, warn_len, "%s: line %d: not an integer 0..100; file skipped\n",
                       path, bad);
            else if (n < 0)
                s_warn(warn, warn_len, "%s: unreadable or empty; file skipped\n", path);
            else
                s_warn(warn, warn_len, "%s: %d samples, expected %d; file skipped\n", path,
                       n, steps);
            if (t)
                t->n_skipped++;
            continue;
        }
        xgc_trace_vm_t *vm = &t->vms[t->n_vms];
        vm->name = strdup(names[i]);
        vm->type = 0;
        memcpy(t->cpu + (size_t)t->n_vms * (size_t)steps, buf, (size_t)steps * sizeof *buf);
        t->n_vms++;
    }
    for (int i = 0; i < n_files; i++)
        free(names[i]);
    free(names);
    free(buf);
    if (!t || t->n_vms == 0) {
        s_msg(err, err_len, "%s: no usable trace file (one integer 0..100 per line)", dir);
        xgc_trace_destroy(&t);
        return NULL;
    }
    xgc_trace_assign_types(t);
    return t;
}

/* ---- generic CSV --------------------------------------------------------- */

typedef struct {
    char  *name;
    double mips;
    int    ram_mb;
    int    first_seen;   /* order of first appearance */
} s_csv_vm_t;

typedef struct {
    double t;
    int    vm;
    float  cpu;
} s_csv_row_t;

typedef struct {
    s_csv_vm_t *vms;
    int n, cap;
} s_csv_names_t;

/* Index of a VM by name, added if new (linear probe on a small hash). */
static int s_csv_vm(s_csv_names_t *names, int **hash, int *hash_cap, const char *name)
{
    if (names->n * 2 >= *hash_cap) {
        int cap = *hash_cap ? *hash_cap * 2 : 1024;
        int *h = malloc((size_t)cap * sizeof *h);
        if (!h)
            return -1;
        for (int i = 0; i < cap; i++)
            h[i] = -1;
        for (int i = 0; i < names->n; i++) {
            unsigned long x = 5381;
            for (const char *c = names->vms[i].name; *c; c++)
                x = x * 33 + (unsigned char)*c;
            int j = (int)(x % (unsigned long)cap);
            while (h[j] >= 0)
                j = (j + 1) % cap;
            h[j] = i;
        }
        free(*hash);
        *hash = h;
        *hash_cap = cap;
    }
    unsigned long x = 5381;
    for (const char *c = name; *c; c++)
        x = x * 33 + (unsigned char)*c;
    int j = (int)(x % (unsigned long)*hash_cap);
    while ((*hash)[j] >= 0) {
        if (!strcmp(names->vms[(*hash)[j]].name, name))
            return (*hash)[j];
        j = (j + 1) % *hash_cap;
    }
    if (names->n == names->cap) {
        int cap = names->cap ? names->cap * 2 : 64;
        s_csv_vm_t *grown = realloc(names->vms, (size_t)cap * sizeof *grown);
        if (!grown)
            return -1;
        names->vms = grown;
        names->cap = cap;
    }
    names->vms[names->n] = (s_csv_vm_t){strdup(name), 0, 0, names->n};
    (*hash)[j] = names->n;
    return names->n++;
}

/* Splits a line into at most max comma-separated fields (trimmed). */
static int s_split(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        char *end = p + strlen(p);
        while (end > p && strchr(" \t\r\n", end[-1]))
            *--end = '\0';
        fields[n++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
    return n;
}

static int s_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return (end != s && !*end && !errno && isfinite(*out)) ? 0 : -1;
}

xgc_trace_t *xgc_trace_load_csv(const char *path, double interval_s, char *err,
                                size_t err_len)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        s_msg(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    s_csv_names_t names = {0};
    int *hash = NULL, hash_cap = 0;
    s_csv_row_t *rows = NULL;
    size_t n_rows = 0, cap_rows = 0;
    double t_min = INFINITY, t_max = -INFINITY;
    char line[4096];
    int lineno = 0, failed = 0;
    xgc_trace_t *t = NULL;
    while (!failed && fgets(line, sizeof line, f)) {
        lineno++;
        char *fields[5];
        int is_cap = !strncmp(line, "#capacity,", 10);
        if ((line[0] == '#' && !is_cap) || line[strspn(line, " \t\r\n")] == '\0')
            continue;
        int nf = s_split(is_cap ? line + 10 : line, fields, 5);
        if (lineno == 1 && !is_cap && nf == 3 && !strcmp(fields[0], "timestamp_s"))
            continue;   /* header */
        double a, b;
        if (is_cap) {
            if (nf != 3 || !*fields[0] || s_number(fields[1], &a) || a <= 0
                || s_number(fields[2], &b) || b <= 0) {
                s_msg(err, err_len, "%s:%d: expected '#capacity,vm,mips,ram_mb'", path,
                      lineno);
                failed = 1;
                break;
            }
            int v = s_csv_vm(&names, &hash, &hash_cap, fields[0]);
            if (v < 0) { failed = 1; break; }
            names.vms[v].mips = a;
            names.vms[v].ram_mb = (int)b;
            continue;
        }
        if (nf != 3 || !*fields[1] || s_number(fields[0], &a) || a < 0
            || s_number(fields[2], &b) || b < 0 || b > 100) {
            s_msg(err, err_len,
                  "%s:%d: expected 'timestamp_s,vm,cpu' with cpu in %% (0..100)", path,
                  lineno);
            failed = 1;
            break;
        }
        int v = s_csv_vm(&names, &hash, &hash_cap, fields[1]);
        if (v < 0) { failed = 1; break; }
        if (n_rows == cap_rows) {
            cap_rows = cap_rows ? cap_rows * 2 : 4096;
            s_csv_row_t *grown = realloc(rows, cap_rows * sizeof *grown);
            if (!grown) { failed = 1; break; }
            rows = grown;
        }
        rows[n_rows++] = (s_csv_row_t){a, v, (float)b};
        if (a < t_min) t_min = a;
        if (a > t_max) t_max = a;
    }
    fclose(f);
    if (!failed && n_rows == 0) {
        s_msg(err, err_len, "%s: no samples", path);
        failed = 1;
    }
    int steps = failed ? 0 : (int)floor((t_max - t_min) / interval_s + 0.5) + 1;
    if (!failed && steps > 10000000 / (names.n ? names.n : 1)) {
        s_msg(err, err_len, "%s: %d steps x %d VMs is too large", path, steps, names.n);
        failed = 1;
    }
    if (!failed)
        t = s_alloc(names.n, steps, interval_s);
    if (t) {
        /* Samples land on their step; a missing step repeats the last value. */
        unsigned char *seen = calloc((size_t)names.n * (size_t)steps, 1);
        if (!seen) {                     /* not a trace of zeros: an error */
            s_msg(err, err_len, "%s: out of memory", path);
            xgc_trace_destroy(&t);
        }
        for (size_t i = 0; seen && i < n_rows; i++) {
            double pos = (rows[i].t - t_min) / interval_s;
            int k = (int)floor(pos + 0.5);
            if (fabs(pos - k) > 1e-6) {
                s_msg(err, err_len, "%s: timestamp %.3f is not a multiple of %.0f s after %.3f",
                      path, rows[i].t, interval_s, t_min);
                xgc_trace_destroy(&t);
                break;
            }
            size_t at = (size_t)rows[i].vm * (size_t)steps + (size_t)k;
            t->cpu[at] = rows[i].cpu;
            seen[at] = 1;
        }
        for (int v = 0; t && seen && v < names.n; v++)
            for (int k = 1; k < steps; k++) {
                size_t at = (size_t)v * (size_t)steps + (size_t)k;
                if (!seen[at])
                    t->cpu[at] = t->cpu[at - 1];
            }
        free(seen);
    }
    if (t) {
        t->n_vms = names.n;
        for (int v = 0; v < names.n; v++) {
            t->vms[v].name = names.vms[v].name;
            names.vms[v].name = NULL;
            t->vms[v].mips = names.vms[v].mips;
            t->vms[v].ram_mb = names.vms[v].ram_mb;
            t->vms[v].type = names.vms[v].mips > 0 ? -1 : 0;
        }
        xgc_trace_assign_types(t);
    }
    for (int v = 0; v < names.n; v++)
        free(names.vms[v].name);
    free(names.vms);
    free(hash);
    free(rows);
    return t;
}

/* ---- workload variants --------------------------------------------------- */

/* Appends t's VM v, samples from `from` on, to c (allocated large enough). */
static void s_append_vm(xgc_trace_t *c, const xgc_trace_t *t, int v, int from)
{
    int u = c->n_vms++;
    c->vms[u] = t->vms[v];
    c->vms[u].name = strdup(t->vms[v].name);
    memcpy(c->cpu + (size_t)u * (size_t)c->n_steps,
           t->cpu + (size_t)v * (size_t)t->n_steps + (size_t)from,
           (size_t)c->n_steps * sizeof *c->cpu);
}

static xgc_trace_t *s_copy(const xgc_trace_t *t, int from, int to)
{
    xgc_trace_t *c = s_alloc(t->n_vms, to - from, t->interval_s);
    for (int v = 0; c && v < t->n_vms; v++)
        s_append_vm(c, t, v, from);
    return c;
}

/* A small deterministic generator (no global state). */
static unsigned s_next(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (*state >> 8) & 0xffffff;
}

xgc_trace_t *xgc_trace_slice(const xgc_trace_t *t, int from, int to)
{
    if (from < 0 || to > t->n_steps || from >= to)
        return NULL;
    return s_copy(t, from, to);
}

xgc_trace_t *xgc_trace_shuffle_types(const xgc_trace_t *t, unsigned seed)
{
    xgc_trace_t *c = s_copy(t, 0, t->n_steps);
    if (!c)
        return NULL;
    for (int v = c->n_vms - 1; v > 0; v--) {   /* Fisher-Yates over the types */
        int w = (int)(s_next(&seed) % (unsigned)(v + 1));
        xgc_trace_vm_t a = c->vms[v], b = c->vms[w];
        c->vms[v].type = b.type, c->vms[v].mips = b.mips, c->vms[v].ram_mb = b.ram_mb;
        c->vms[w].type = a.type, c->vms[w].mips = a.mips, c->vms[w].ram_mb = a.ram_mb;
    }
    return c;
}

xgc_trace_t *xgc_trace_shift(const xgc_trace_t *t, unsigned seed)
{
    xgc_trace_t *c = s_copy(t, 0, t->n_steps);
    if (!c)
        return NULL;
    int n = t->n_steps;
    for (int v = 0; v < c->n_vms; v++) {
        int off = (int)(s_next(&seed) % (unsigned)n);
        const float *src = t->cpu + (size_t)v * (size_t)n;
        float *dst = c->cpu + (size_t)v * (size_t)n;
        for (int k = 0; k < n; k++)
            dst[k] = src[(k + off) % n];
    }
    return c;
}

xgc_trace_t *xgc_trace_part(const xgc_trace_t *t, int k, int n)
{
    if (n < 1 || k < 0 || k >= n || k >= t->n_vms)
        return NULL;
    xgc_trace_t *c = s_alloc((t->n_vms - k + n - 1) / n, t->n_steps, t->interval_s);
    if (!c)
        return NULL;
    for (int v = k; v < t->n_vms; v += n)
        s_append_vm(c, t, v, 0);
    return c;
}
