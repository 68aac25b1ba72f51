/* xgc eval — run the placement algorithms on an instance file or on generated
 * data centres, and report Net, gross utility, power cost, PMs on, unplaced
 * VMs, VMs at max and run time per algorithm.
 *
 * Modes: --instance FILE (one instance; table or --json lines), --plan seed
 * (the seed's dispatch plan: VMs added one at a time, figures 1–4), --sweep
 * (the four axes of BENCHMARKS.md §1), --scale N,N,... (timings for make
 * bench), --exact (gap to the exhaustive optimum on small instances) and
 * --generate (print a generated instance as YAML). The placement itself is
 * the pure core in scheduler/placement; this file is its I/O: files, clock,
 * progress bar, CSV and gnuplot.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "scheduler/placement/placement.h"
#include "xgc_stats.h"
#include "tools/xgc_cmd.h"

typedef struct {
    const char *instance, *plan, *out, *scale, *algorithms;
    bool json, sweep, exact, generate;
    unsigned long long seed;
    long vms, pms, trials, repeat;
    double power;
    /* overrides of the algorithms' options; < 0 = keep the default */
    int key, pm_order, pemm, lookahead, close, place_all, candidates, bs_min, gmm_node;
    int rescore_all;
    int shares;
} s_args_t;

typedef struct {
    xgc_pm_spec_t *pms;
    xgc_vm_spec_t *vms;
    size_t npm, nvm;
} s_instance_t;

typedef struct {
    int algorithm;
    xgc_place_score_t score;
    double ms;
} s_row_t;

static const char s_usage[] =
    "usage: xgc eval --instance FILE [--algorithm A[,A...]|all] [--json] [options]\n"
    "       xgc eval --plan seed [--out DIR] [--seed N] [--vms N] [--pms N] [--power P]\n"
    "       xgc eval --sweep [--out DIR] [--seed N] [--vms N] [--pms N]\n"
    "       xgc eval --scale N[,N...] [--algorithm ...] [--seed N] [--repeat R]\n"
    "       xgc eval --exact [--trials N] [--vms N] [--pms N] [--seed N]\n"
    "       xgc eval --generate --vms N --pms N [--power P] [--seed N]\n"
    "algorithms: bs gm gmm emm pemm xgc (= pemm-ls, ours), all\n"
    "options: --key max|pmax|pmin|slope|min|arrival  --pm-order file|capacity|efficiency\n"
    "         --bs-min  --gmm-node  --pemm moves|forward|greedy  --lookahead N  --no-close\n"
    "         --allow-drop  --candidates N (0 = all)  --shares input|slope|equal\n"
    "         --rescore-all\n";

/* ---- small helpers ------------------------------------------------------------ */

static double s_clock(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wall time, for the progress bar. */
static double s_now(void)
{
    return s_clock(CLOCK_MONOTONIC);
}

/* CPU time of this thread, for the timings: on a shared, loaded machine it
 * measures the algorithm, not the other tenants. */
static double s_cpu(void)
{
    return s_clock(CLOCK_THREAD_CPUTIME_ID);
}

/* A progress bar on stderr, shown once a run has lasted more than a second. */
typedef struct {
    const char *label;
    double start, last;
    bool shown;
} s_progress_t;

static void s_progress(s_progress_t *p, size_t done, size_t total)
{
    double now = s_now(), every = isatty(STDERR_FILENO) ? 0.1 : 5;
    if (now - p->start < 1 || (now - p->last < every && done < total))
        return;
    p->last = now;
    p->shown = true;
    int width = 40, full = total ? (int)(width * done / total) : width;
    fprintf(stderr, "\r%-12s [%.*s%*s] %3d%% %6.1fs", p->label, full,
            "########################################", width - full, "",
            total ? (int)(100 * done / total) : 100, now - p->start);
    if (done >= total) {
        fputc('\n', stderr);
        p->shown = false;
    }
}

static void s_progress_end(s_progress_t *p)
{
    if (p->shown)
        fputc('\n', stderr);
    p->shown = false;
}

static int s_lookup(const char *value, const char *const *names)
{
    for (int k = 0; names[k]; k++)
        if (!strcmp(value, names[k]))
            return k;
    return -1;
}

/* Parse "bs,gm" or "all" into a list of algorithms; count or -1. */
static int s_algorithms(const char *text, int *out)
{
    if (!text || !strcmp(text, "all")) {
        for (int a = 0; a < XGC_PLACE_ALGORITHMS; a++)
            out[a] = a;
        return XGC_PLACE_ALGORITHMS;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    int n = 0;
    for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int a = xgc_place_algorithm_parse(tok);
        if (a < 0 || n == XGC_PLACE_ALGORITHMS) {
            fprintf(stderr, "xgc eval: unknown algorithm '%s'\n", tok);
            return -1;
        }
        out[n++] = a;
    }
    return n;
}

static xgc_place_options_t s_options(const s_args_t *a, int algorithm)
{
    xgc_place_options_t o = xgc_place_options_default((xgc_place_algorithm_t)algorithm);
    if (a->key >= 0)
        o.key = (xgc_place_key_t)a->key;
    if (a->pm_order >= 0)
        o.pm_order = (xgc_place_pm_order_t)a->pm_order;
    if (a->pemm >= 0)
        o.pemm = (xgc_place_pemm_t)a->pemm;
    if (a->lookahead >= 0)
        o.pemm_lookahead = a->lookahead;
    if (a->close >= 0)
        o.pemm_close = a->close;
    if (a->place_all >= 0)
        o.must_place_all = a->place_all;
    if (a->candidates >= 0)
        o.candidates = a->candidates;
    o.bs_min = a->bs_min > 0;
    o.gmm_node_major = a->gmm_node > 0;
    o.rescore_all = a->rescore_all > 0;
    return o;
}

/* Run one algorithm, timed, and score it; pm_of and alloc (nullable) out. */
static int s_run(const s_args_t *a, const xgc_place_problem_t *problem, int algorithm,
                 int *pm_of, double *alloc, s_row_t *row)
{
    xgc_place_options_t o = s_options(a, algorithm);
    char err[256];
    double start = s_cpu();
    if (xgc_place_run(problem, &o, NULL, NULL, pm_of) < 0
        || xgc_place_score(problem, pm_of, alloc, &row->score, err, sizeof err) < 0) {
        fprintf(stderr, "xgc eval: %s failed\n", xgc_place_algorithm_name(algorithm));
        return -1;
    }
    row->ms = (s_cpu() - start) * 1e3;
    row->algorithm = algorithm;
    return 0;
}

static void s_table_head(void)
{
    printf("%-6s %14s %14s %12s %7s %8s %7s %10s %8s\n", "alg", "net", "gross", "power_cost",
           "pms_on", "unplaced", "at_max", "time_ms", "vs_bs");
}

static void s_table_row(const s_row_t *r, double bs_net)
{
    const xgc_place_score_t *s = &r->score;
    char vs[32] = "-";
    if (!isnan(bs_net) && fabs(bs_net) > 1e-9)
        snprintf(vs, sizeof vs, "%+.1f%%", 100 * (s->net - bs_net) / fabs(bs_net));
    printf("%-6s %14.2f %14.2f %12.2f %7zu %8zu %7zu %10.2f %8s\n",
           xgc_place_algorithm_name(r->algorithm), s->net, s->gross, s->power_cost, s->pms_on,
           s->unplaced, s->at_max, r->ms, vs);
}

/* ---- --instance ------------------------------------------------------------------- */

static void s_instance_free(s_instance_t *in)
{
    free(in->pms);
    free(in->vms);
    memset(in, 0, sizeof *in);
}

/* Load an instance file; on error print file:line:col and the reason. */
static int s_instance_load(const char *path, const s_args_t *a, s_instance_t *in)
{
    char err[XGC_ERR_MAX];
    memset(in, 0, sizeof *in);
    xgc_yaml_node_t *root = xgc_yaml_load_file(path, err, sizeof err);
    int rc = -1;
    if (!root)
        goto done;
    if (root->kind != XGC_YAML_MAP) {
        xgc_yaml_error(err, sizeof err, root, NULL, "an instance is a mapping with pms: and vms:");
        goto done;
    }
    if (!xgc_yaml_get(root, "pms")) {
        xgc_yaml_error(err, sizeof err, root, "pms", "missing");
        goto done;
    }
    if (xgc_model_load_pms(xgc_yaml_get(root, "pms"), &in->pms, &in->npm, err, sizeof err) < 0
        || xgc_model_load_vms(xgc_yaml_get(root, "vms"), &in->vms, &in->nvm, err, sizeof err) < 0)
        goto done;
    xgc_place_set_shares(in->vms, in->nvm, (xgc_place_shares_t)(a->shares > 0 ? a->shares : 0));
    rc = 0;
done:
    if (rc < 0) {
        fprintf(stderr, "xgc eval: %s\n", err);
        s_instance_free(in);
    }
    xgc_yaml_destroy(&root);
    return rc;
}

static void s_json_row(const s_row_t *r, const xgc_place_problem_t *p, const int *pm_of,
                       const double *alloc)
{
    const xgc_place_score_t *s = &r->score;
    json_t *placement = json_object(), *allocs = json_object();
    for (size_t i = 0; i < xgc_place_problem_vms(p); i++) {
        const char *vm = xgc_place_problem_vm(p, i)->name;
        json_object_set_new(placement, vm, pm_of[i] < 0 ? json_null()
                            : json_string(xgc_place_problem_pm(p, (size_t)pm_of[i])->name));
        json_object_set_new(allocs, vm, json_real(round(alloc[i] * 1000) / 1000));
    }
    json_t *o = json_pack("{s:s, s:f, s:f, s:f, s:I, s:I, s:I, s:f, s:o, s:o}",
                          "algorithm", xgc_place_algorithm_name(r->algorithm), "net", s->net,
                          "gross", s->gross, "power_cost", s->power_cost,
                          "pms_on", (json_int_t)s->pms_on, "unplaced", (json_int_t)s->unplaced,
                          "at_max", (json_int_t)s->at_max, "time_ms", r->ms,
                          "placement", placement, "alloc", allocs);
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    printf("%s\n", text);
    free(text);
    json_decref(o);
}

static int s_eval_instance(const s_args_t *a)
{
    int algs[XGC_PLACE_ALGORITHMS], n = s_algorithms(a->algorithms, algs);
    if (n < 0)
        return 2;
    s_instance_t in;
    if (s_instance_load(a->instance, a, &in) < 0)
        return 2;
    xgc_place_problem_t *p = xgc_place_problem_new(in.pms, in.npm, in.vms, in.nvm);
    int *pm_of = malloc((in.nvm + 1) * sizeof *pm_of);
    double *alloc = malloc((in.nvm + 1) * sizeof *alloc);
    int rc = 1;
    if (!p || !pm_of || !alloc)
        goto done;
    s_row_t rows[XGC_PLACE_ALGORITHMS];
    if (!a->json) {
        printf("instance %s: %zu PMs, %zu VMs\n", a->instance, in.npm, in.nvm);
        s_table_head();
    }
    double bs_net = NAN;
    s_progress_t bar = {"eval", s_now(), 0, false};
    for (int k = 0; k < n; k++) {
        if (s_run(a, p, algs[k], pm_of, alloc, &rows[k]) < 0)
            goto done;
        s_progress(&bar, (size_t)k + 1, (size_t)n);
        if (algs[k] == XGC_PLACE_BS)
            bs_net = rows[k].score.net;
        if (a->json)
            s_json_row(&rows[k], p, pm_of, alloc);
        else
            s_table_row(&rows[k], bs_net);
    }
    rc = 0;
done:
    xgc_place_problem_destroy(&p);
    free(pm_of);
    free(alloc);
    s_instance_free(&in);
    return rc;
}

/* ---- figures ------------------------------------------------------------------------- */

/* One series of a figure: points (x, y). */
typedef struct {
    const char *title;
    double *x, *y;
    size_t n;
} s_series_t;

/* Write DIR/NAME.dat and NAME.gp and run gnuplot for NAME.svg and NAME.png. */
static int s_figure(const char *dir, const char *name, const char *title, const char *xlabel,
                    const char *ylabel, const s_series_t *series, int nseries)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.dat", dir, name);
    FILE *dat = fopen(path, "w");
    snprintf(path, sizeof path, "%s/%s.gp", dir, name);
    FILE *gp = fopen(path, "w");
    if (!dat || !gp) {
        fprintf(stderr, "xgc eval: cannot write %s: %s\n", path, strerror(errno));
        if (dat)
            fclose(dat);
        if (gp)
            fclose(gp);
        return -1;
    }
    for (int k = 0; k < nseries; k++) {
        fprintf(dat, "# %s\n", series[k].title);
        for (size_t i = 0; i < series[k].n; i++)
            fprintf(dat, "%.6g %.6g\n", series[k].x[i], series[k].y[i]);
        fprintf(dat, "\n\n");
    }
    fclose(dat);
    const char *terms[2][2] = {{"svg size 900,560 dynamic", "svg"},
                               {"png size 900,560", "png"}};
    for (int t = 0; t < 2; t++) {
        fprintf(gp, "set terminal %s\nset output '%s/%s.%s'\n", terms[t][0], dir, name,
                terms[t][1]);
        fprintf(gp, "set title \"%s\"\nset xlabel \"%s\"\nset ylabel \"%s\"\n"
                    "set key outside right top\nset grid\n", title, xlabel, ylabel);
        fprintf(gp, "plot ");
        for (int k = 0; k < nseries; k++)
            fprintf(gp, "%s'%s/%s.dat' index %d with linespoints pointsize 0.5 title '%s'",
                    k ? ", " : "", dir, name, k, series[k].title);
        fprintf(gp, "\nunset output\n");
    }
    fclose(gp);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "gnuplot '%s/%s.gp' 2>&1", dir, name);
    if (system(cmd) != 0) {
        fprintf(stderr, "xgc eval: gnuplot failed for %s (data kept in %s/%s.dat)\n", name, dir,
                name);
        return -1;
    }
    return 0;
}

static int s_mkdir(const char *dir)
{
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "xgc eval: cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static FILE *s_open_csv(const char *dir, const char *name, const char *header)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *csv = fopen(path, "w");
    if (!csv)
        fprintf(stderr, "xgc eval: cannot write %s: %s\n", path, strerror(errno));
    else
        fprintf(csv, "%s\n", header);
    return csv;
}

/* ---- --plan seed ---------------------------------------------------------------------- */

/* For one power setting: each algorithm on the first n VMs, n = 1..M, over
 * the same pool of PMs (switched on on demand). Fills net/pms per (alg, n). */
static int s_plan_run(const s_args_t *a, const int *algs, int nalg, double power, FILE *csv,
                      double *net, double *pms_on, s_progress_t *bar, size_t *step, size_t steps)
{
    xgc_place_gen_t gen = xgc_place_gen_default((size_t)a->vms, (size_t)a->pms);
    gen.power = power;
    xgc_pm_spec_t *pms;
    xgc_vm_spec_t *vms;
    if (xgc_place_generate(&gen, a->seed, &pms, &vms) < 0)
        return -1;
    int *pm_of = malloc(((size_t)a->vms + 1) * sizeof *pm_of), rc = -1;
    for (int k = 0; pm_of && k < nalg; k++)
        for (long n = 1; n <= a->vms; n++) {
            xgc_place_problem_t *p = xgc_place_problem_new(pms, (size_t)a->pms, vms, (size_t)n);
            s_row_t row;
            int ok = p ? s_run(a, p, algs[k], pm_of, NULL, &row) : -1;
            xgc_place_problem_destroy(&p);
            if (ok < 0)
                goto done;
            const xgc_place_score_t *s = &row.score;
            fprintf(csv, "%g,%s,%ld,%.4f,%.4f,%.4f,%zu,%zu,%zu,%.3f\n", power,
                    xgc_place_algorithm_name(algs[k]), n, s->net, s->gross, s->power_cost,
                    s->pms_on, s->unplaced, s->at_max, row.ms);
            net[k * a->vms + n - 1] = s->net;
            pms_on[k * a->vms + n - 1] = (double)s->pms_on;
            s_progress(bar, ++*step, steps);
        }
    rc = 0;
done:
    free(pm_of);
    free(pms);
    free(vms);
    return rc;
}

static int s_plan(const s_args_t *a)
{
    if (strcmp(a->plan, "seed")) {
        fprintf(stderr, "xgc eval: unknown plan '%s' (known: seed)\n", a->plan);
        return 2;
    }
    int algs[XGC_PLACE_ALGORITHMS], nalg = s_algorithms(a->algorithms, algs);
    if (nalg < 0 || s_mkdir(a->out) < 0)
        return 2;
    FILE *csv = s_open_csv(a->out, "plan.csv", "power,algorithm,vms,net,gross,power_cost,"
                                               "pms_on,unplaced,at_max,time_ms");
    size_t cells = (size_t)nalg * (size_t)a->vms;
    double *net = calloc(2 * cells, sizeof *net), *pms = calloc(2 * cells, sizeof *pms);
    double *x = malloc((size_t)a->vms * sizeof *x);
    int rc = 1;
    if (!csv || !net || !pms || !x)
        goto done;
    s_progress_t bar = {"plan", s_now(), 0, false};
    size_t step = 0;
    double powers[2] = {0, a->power};
    for (int w = 0; w < 2; w++)
        if (s_plan_run(a, algs, nalg, powers[w], csv, net + w * cells, pms + w * cells, &bar,
                       &step, 2 * cells) < 0)
            goto done;
    s_progress_end(&bar);
    fclose(csv);
    csv = NULL;
    for (long n = 0; n < a->vms; n++)
        x[n] = (double)(n + 1);
    /* Figures 1–4: utility and PMs on against the number of VMs, p = 0 and p > 0. */
    static const char *const figs[4][3] = {
        {"fig1_utility", "Utility as VMs arrive (no power cost)", "net utility"},
        {"fig2_pms", "PMs switched on as VMs arrive (no power cost)", "PMs on"},
        {"fig3_utility_power", "Utility as VMs arrive, power cost p = %g", "net utility"},
        {"fig4_pms_power", "PMs switched on as VMs arrive, power cost p = %g", "PMs on"}};
    s_series_t series[XGC_PLACE_ALGORITHMS];
    for (int f = 0; f < 4; f++) {
        double *data = (f % 2 ? pms : net) + (f / 2) * cells;
        for (int k = 0; k < nalg; k++)
            series[k] = (s_series_t){xgc_place_algorithm_name(algs[k]), x,
                                     data + k * a->vms, (size_t)a->vms};
        char title[128];
        snprintf(title, sizeof title, figs[f][1], a->power);
        s_figure(a->out, figs[f][0], title, "number of VMs", figs[f][2], series, nalg);
    }
    /* Summary: the last point of each curve. */
    printf("seed plan: %ld VMs added one at a time, %ld PMs, seed %llu; figures and plan.csv "
           "in %s\n", a->vms, a->pms, a->seed, a->out);
    printf("%-6s %14s %8s %14s %8s\n", "alg", "net(p=0)", "pms_on", "net(p>0)", "pms_on");
    for (int k = 0; k < nalg; k++) {
        size_t last = (size_t)k * a->vms + a->vms - 1;
        printf("%-6s %14.2f %8.0f %14.2f %8.0f\n", xgc_place_algorithm_name(algs[k]), net[last],
               pms[last], net[cells + last], pms[cells + last]);
    }
    rc = 0;
done:
    if (csv)
        fclose(csv);
    free(net);
    free(pms);
    free(x);
    return rc;
}

/* ---- --sweep ------------------------------------------------------------------------------ */

typedef struct {
    const char *name, *label;
    int n;
    double values[6];
} s_axis_t;

static const s_axis_t s_axes[] = {
    {"size", "VM size range: max/min up to", 5, {1, 1.5, 2, 3, 4}},
    {"spread", "utility spread: rho in [1-w, 1+w], w", 5, {0, 0.25, 0.5, 0.75, 0.95}},
    {"mix", "PM capacity mix: 0 homogeneous 8000, 1 = 1:2:4", 2, {0, 1}},
    {"power", "power cost p (P_j = p C_j/8000)", 6, {0, 2500, 5000, 10000, 15000, 20000}},
};

static void s_axis_apply(int axis, double v, xgc_place_gen_t *gen)
{
    switch (axis) {
    case 0: gen->ratio_hi = v; break;
    case 1: gen->rho_lo = 1 - v; gen->rho_hi = 1 + v; break;
    case 2:
        if (v == 0) {
            gen->caps[0] = 8000;
            gen->ncaps = 1;
        }
        break;
    default: gen->power = v; break;
    }
}

static int s_sweep(const s_args_t *a)
{
    int algs[XGC_PLACE_ALGORITHMS], nalg = s_algorithms(a->algorithms, algs);
    if (nalg < 0 || s_mkdir(a->out) < 0)
        return 2;
    FILE *csv = s_open_csv(a->out, "sweep.csv", "axis,value,algorithm,net,gross,power_cost,"
                                                "pms_on,unplaced,at_max,time_ms,vs_bs");
    int *pm_of = malloc(((size_t)a->vms + 1) * sizeof *pm_of), rc = 1;
    if (!csv || !pm_of)
        goto done;
    s_progress_t bar = {"sweep", s_now(), 0, false};
    size_t steps = 0, step = 0;
    for (size_t ax = 0; ax < sizeof s_axes / sizeof s_axes[0]; ax++)
        steps += (size_t)s_axes[ax].n * (size_t)nalg;
    printf("sweep: %ld VMs on %ld PMs, seed %llu; Net per algorithm (%% over BS)\n", a->vms,
           a->pms, a->seed);
    int wins = 0, cells = 0, xgc_wins = 0;
    double gain_sum = 0;
    for (size_t ax = 0; ax < sizeof s_axes / sizeof s_axes[0]; ax++) {
        const s_axis_t *axis = &s_axes[ax];
        double y[XGC_PLACE_ALGORITHMS][6], xs[6];
        printf("\n%s — %s\n%8s", axis->name, axis->label, "value");
        for (int k = 0; k < nalg; k++)
            printf(" %18s", xgc_place_algorithm_name(algs[k]));
        printf("\n");
        for (int v = 0; v < axis->n; v++) {
            xgc_place_gen_t gen = xgc_place_gen_default((size_t)a->vms, (size_t)a->pms);
            s_axis_apply((int)ax, axis->values[v], &gen);
            xgc_pm_spec_t *pms;
            xgc_vm_spec_t *vms;
            if (xgc_place_generate(&gen, a->seed, &pms, &vms) < 0)
                goto done;
            xgc_place_problem_t *p = xgc_place_problem_new(pms, gen.pms, vms, gen.vms);
            s_row_t rows[XGC_PLACE_ALGORITHMS];
            double bs = NAN, pemm = NAN, best = -HUGE_VAL;
            int ok = p != NULL;
            for (int k = 0; ok && k < nalg; k++) {
                ok = s_run(a, p, algs[k], pm_of, NULL, &rows[k]) == 0;
                s_progress(&bar, ++step, steps);
            }
            xgc_place_problem_destroy(&p);
            free(pms);
            free(vms);
            if (!ok)
                goto done;
            xs[v] = axis->values[v];
            printf("%8g", axis->values[v]);
            for (int k = 0; k < nalg; k++) {
                double net = rows[k].score.net;
                if (algs[k] == XGC_PLACE_BS)
                    bs = net;
                if (algs[k] == XGC_PLACE_PEMM)
                    pemm = net;
                if (algs[k] != XGC_PLACE_XGC && net > best)
                    best = net;
                double vs = isnan(bs) || fabs(bs) < 1e-9 ? NAN : 100 * (net - bs) / fabs(bs);
                y[k][v] = net;
                printf(" %10.0f (%+5.1f%%)", net, vs);
                fprintf(csv, "%s,%g,%s,%.4f,%.4f,%.4f,%zu,%zu,%zu,%.3f,%.4f\n", axis->name,
                        axis->values[v], xgc_place_algorithm_name(algs[k]), net,
                        rows[k].score.gross, rows[k].score.power_cost, rows[k].score.pms_on,
                        rows[k].score.unplaced, rows[k].score.at_max, rows[k].ms, vs);
            }
            printf("\n");
            cells++;
            if (!isnan(pemm) && pemm >= best - 1e-6)
                wins++;
            for (int k = 0; k < nalg; k++)
                if (algs[k] == XGC_PLACE_XGC && !isnan(pemm)) {
                    gain_sum += (rows[k].score.net - pemm) / fabs(pemm);
                    xgc_wins += rows[k].score.net > pemm + 1e-6;
                }
        }
        s_series_t series[XGC_PLACE_ALGORITHMS];
        for (int k = 0; k < nalg; k++)
            series[k] = (s_series_t){xgc_place_algorithm_name(algs[k]), xs, y[k],
                                     (size_t)axis->n};
        char name[64];
        snprintf(name, sizeof name, "sweep_%s", axis->name);
        s_figure(a->out, name, axis->label, axis->label, "net utility", series, nalg);
    }
    s_progress_end(&bar);
    printf("\nsummary: PEMM best of the paper's five in %d of %d settings", wins, cells);
    if (cells)
        printf("; xgc above PEMM in %d of %d, mean gain %+.2f%%", xgc_wins, cells,
               100 * gain_sum / cells);
    printf("\nCSV and figures in %s\n", a->out);
    rc = 0;
done:
    if (csv)
        fclose(csv);
    free(pm_of);
    return rc;
}

/* ---- --scale ------------------------------------------------------------------------------ */

/* Times of each algorithm on one problem: the median of --repeat rounds, each
 * round running every algorithm once in turn, so that the machine's noise
 * (this machine is shared) falls on all of them alike and a sub-millisecond
 * run is not one cold sample. */
static int s_scale_times(const s_args_t *a, const xgc_place_problem_t *p, const int *algs,
                         int nalg, int *pm_of, double *ms, double *net)
{
    long r = a->repeat;
    double t[XGC_PLACE_ALGORITHMS][r];
    for (long i = 0; i < r; i++)
        for (int k = 0; k < nalg; k++) {
            s_row_t row;
            if (s_run(a, p, algs[k], pm_of, NULL, &row) < 0)
                return -1;
            t[k][i] = row.ms;
            net[k] = row.score.net;
        }
    for (int k = 0; k < nalg; k++)
        ms[k] = xgc_stats_median(t[k], (size_t)r);
    return 0;
}

static int s_scale(const s_args_t *a)
{
    int algs[XGC_PLACE_ALGORITHMS], nalg = s_algorithms(a->algorithms, algs);
    if (nalg < 0)
        return 2;
    long sizes[8];
    int nsize = 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", a->scale);
    for (char *save, *tok = strtok_r(buf, ",", &save); tok && nsize < 8;
         tok = strtok_r(NULL, ",", &save))
        if ((sizes[nsize++] = strtol(tok, NULL, 10)) < 10) {
            fprintf(stderr, "xgc eval: --scale wants sizes ≥ 10\n");
            return 2;
        }
    if (a->repeat < 1 || a->repeat > 99) {
        fprintf(stderr, "xgc eval: --repeat wants 1 to 99 rounds\n");
        return 2;
    }
    double ms[8][XGC_PLACE_ALGORITHMS], net[8][XGC_PLACE_ALGORITHMS];
    printf("scale: VMs : PMs = 10 : 1, default generator, p = %g, seed %llu, "
           "median of %ld round(s)\n", a->power, a->seed, a->repeat);
    printf("%9s %8s", "vms", "pms");
    for (int k = 0; k < nalg; k++)
        printf(" %11s", xgc_place_algorithm_name(algs[k]));
    printf("   (ms)\n");
    for (int z = 0; z < nsize; z++) {
        xgc_place_gen_t gen = xgc_place_gen_default((size_t)sizes[z], (size_t)sizes[z] / 10);
        gen.power = a->power;
        xgc_pm_spec_t *pms;
        xgc_vm_spec_t *vms;
        if (xgc_place_generate(&gen, a->seed, &pms, &vms) < 0)
            return 1;
        xgc_place_problem_t *p = xgc_place_problem_new(pms, gen.pms, vms, gen.vms);
        int *pm_of = malloc((gen.vms + 1) * sizeof *pm_of), ok = p && pm_of;
        printf("%9ld %8zu", sizes[z], gen.pms);
        ok = ok && s_scale_times(a, p, algs, nalg, pm_of, ms[z], net[z]) == 0;
        for (int k = 0; ok && k < nalg; k++)
            printf(" %11.1f", ms[z][k]);
        printf("\n");
        xgc_place_problem_destroy(&p);
        free(pm_of);
        free(pms);
        free(vms);
        if (!ok)
            return 1;
    }
    printf("\n%9s", "net");
    for (int k = 0; k < nalg; k++)
        printf(" %11s", xgc_place_algorithm_name(algs[k]));
    printf("\n");
    for (int z = 0; z < nsize; z++) {
        printf("%9ld", sizes[z]);
        for (int k = 0; k < nalg; k++)
            printf(" %11.0f", net[z][k]);
        printf("\n");
    }
    if (nsize >= 2) {
        printf("\ngrowth %ld -> %ld (time ratio; x%.0f in size):", sizes[nsize - 2],
               sizes[nsize - 1], (double)sizes[nsize - 1] / sizes[nsize - 2]);
        for (int k = 0; k < nalg; k++)
            printf(" %s %.1f", xgc_place_algorithm_name(algs[k]),
                   ms[nsize - 1][k] / fmax(ms[nsize - 2][k], 1e-3));
        printf("\n");
    }
    int gm = -1, pemm = -1;
    for (int k = 0; k < nalg; k++) {
        gm = algs[k] == XGC_PLACE_GM ? k : gm;
        pemm = algs[k] == XGC_PLACE_PEMM ? k : pemm;
    }
    if (gm >= 0 && pemm >= 0) {
        printf("PEMM/GM time ratio (same run):");
        for (int z = 0; z < nsize; z++)
            printf(" %ld: %.1f", sizes[z], ms[z][pemm] / fmax(ms[z][gm], 1e-3));
        printf("\n");
    }
    return 0;
}

/* ---- --exact -------------------------------------------------------------------------------- */

static int s_exact(const s_args_t *a)
{
    int algs[XGC_PLACE_ALGORITHMS], nalg = s_algorithms(a->algorithms, algs);
    if (nalg < 0)
        return 2;
    double sum[XGC_PLACE_ALGORITHMS] = {0}, worst[XGC_PLACE_ALGORITHMS];
    int above[XGC_PLACE_ALGORITHMS] = {0}, exact_hits[XGC_PLACE_ALGORITHMS] = {0}, counted = 0;
    for (int k = 0; k < nalg; k++)
        worst[k] = 1;
    int *opt = malloc(((size_t)a->vms + 1) * sizeof *opt);
    int *pm_of = malloc(((size_t)a->vms + 1) * sizeof *pm_of);
    s_progress_t bar = {"exact", s_now(), 0, false};
    for (long t = 0; opt && pm_of && t < a->trials; t++) {
        xgc_place_gen_t gen = xgc_place_gen_default((size_t)a->vms, (size_t)a->pms);
        gen.caps[0] = 2000;
        gen.caps[1] = 3000;
        gen.caps[2] = 4000;
        gen.power = (double)(t % 5) * 1000;      /* 0 … 4000: from none to dominant */
        xgc_pm_spec_t *pms;
        xgc_vm_spec_t *vms;
        if (xgc_place_generate(&gen, a->seed + (unsigned long long)t, &pms, &vms) < 0)
            break;
        xgc_place_problem_t *p = xgc_place_problem_new(pms, gen.pms, vms, gen.vms);
        xgc_place_score_t best;
        char err[128];
        if (!p || xgc_place_exhaustive(p, opt) < 0
            || xgc_place_score(p, opt, NULL, &best, err, sizeof err) < 0) {
            fprintf(stderr, "xgc eval: exhaustive search refused (%ld VMs, %ld PMs)\n", a->vms,
                    a->pms);
            xgc_place_problem_destroy(&p);
            free(pms);
            free(vms);
            break;
        }
        for (int k = 0; k < nalg && best.net > 1e-9; k++) {
            s_row_t row;
            if (s_run(a, p, algs[k], pm_of, NULL, &row) < 0)
                break;
            double ratio = row.score.net / best.net;
            sum[k] += ratio;
            worst[k] = fmin(worst[k], ratio);
            above[k] += row.score.net > best.net + 1e-6;
            exact_hits[k] += ratio > 1 - 1e-9;
        }
        counted += best.net > 1e-9;
        xgc_place_problem_destroy(&p);
        free(pms);
        free(vms);
        s_progress(&bar, (size_t)t + 1, (size_t)a->trials);
    }
    s_progress_end(&bar);
    free(opt);
    free(pm_of);
    printf("exact: %d random instances of %ld VMs x %ld PMs (caps 2000-4000, p 0-4000), "
           "seed %llu\n", counted, a->vms, a->pms, a->seed);
    printf("%-6s %10s %10s %10s %10s\n", "alg", "mean/opt", "worst/opt", "optimal", "above");
    int bad = 0;
    for (int k = 0; k < nalg; k++) {
        printf("%-6s %9.2f%% %9.2f%% %10d %10d\n", xgc_place_algorithm_name(algs[k]),
               counted ? 100 * sum[k] / counted : 0, 100 * worst[k], exact_hits[k], above[k]);
        bad += above[k];
    }
    return bad ? 1 : 0;
}

/* ---- --generate ------------------------------------------------------------------------------ */

static int s_generate(const s_args_t *a)
{
    xgc_place_gen_t gen = xgc_place_gen_default((size_t)a->vms, (size_t)a->pms);
    gen.power = a->power;
    xgc_pm_spec_t *pms;
    xgc_vm_spec_t *vms;
    if (xgc_place_generate(&gen, a->seed, &pms, &vms) < 0)
        return 1;
    printf("# generated by: xgc eval --generate --vms %ld --pms %ld --power %g --seed %llu\n",
           a->vms, a->pms, a->power, a->seed);
    printf("pms:\n");
    for (size_t j = 0; j < gen.pms; j++)
        printf("  - {name: %s, cpu_mhz: %g, mem_mb: %g, power_cost: %g}\n", pms[j].name,
               pms[j].cpu_mhz, pms[j].mem_mb, pms[j].power_cost);
    printf("vms:\n");
    for (size_t i = 0; i < gen.vms; i++)
        printf("  - {name: %s, min_mhz: %g, max_mhz: %g, shares: %g, mem_mb: %g, "
               "utility_min: %g, utility_max: %g}\n", vms[i].name, vms[i].min_mhz,
               vms[i].max_mhz, vms[i].shares, vms[i].mem_mb, vms[i].utility_min,
               vms[i].utility_max);
    free(pms);
    free(vms);
    return 0;
}

/* ---- arguments ------------------------------------------------------------------------------- */

static int s_parse(int argc, char **argv, s_args_t *a)
{
    static const char *const keys[] = {"default", "max", "pmax", "pmin", "slope", "min",
                                       "arrival", NULL};
    static const char *const pm_orders[] = {"default", "file", "capacity", "efficiency", NULL};
    static const char *const pemms[] = {"moves", "forward", "greedy", NULL};
    static const char *const shares[] = {"input", "slope", "equal", NULL};
    *a = (s_args_t){.out = "eval-out", .seed = 1, .vms = -1, .pms = -1, .trials = 60, .repeat = 1,
                    .power = -1, .key = -1, .pm_order = -1, .pemm = -1, .lookahead = -1,
                    .close = -1, .place_all = -1, .candidates = -1, .shares = -1};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;
        if (!strcmp(o, "--instance") && v) a->instance = v;
        else if (!strcmp(o, "--algorithm") && v) a->algorithms = v;
        else if (!strcmp(o, "--plan") && v) a->plan = v;
        else if (!strcmp(o, "--out") && v) a->out = v;
        else if (!strcmp(o, "--scale") && v) a->scale = v;
        else if (!strcmp(o, "--seed") && v) a->seed = strtoull(v, NULL, 10);
        else if (!strcmp(o, "--vms") && v) a->vms = strtol(v, NULL, 10);
        else if (!strcmp(o, "--pms") && v) a->pms = strtol(v, NULL, 10);
        else if (!strcmp(o, "--trials") && v) a->trials = strtol(v, NULL, 10);
        else if (!strcmp(o, "--repeat") && v) a->repeat = strtol(v, NULL, 10);
        else if (!strcmp(o, "--power") && v) a->power = strtod(v, NULL);
        else if (!strcmp(o, "--lookahead") && v) a->lookahead = atoi(v);
        else if (!strcmp(o, "--candidates") && v) a->candidates = atoi(v);
        else if (!strcmp(o, "--key") && v && (a->key = s_lookup(v, keys)) >= 0) ;
        else if (!strcmp(o, "--pm-order") && v && (a->pm_order = s_lookup(v, pm_orders)) >= 0) ;
        else if (!strcmp(o, "--pemm") && v && (a->pemm = s_lookup(v, pemms)) >= 0) ;
        else if (!strcmp(o, "--shares") && v && (a->shares = s_lookup(v, shares)) >= 0) ;
        else {
            takes = false;
            if (!strcmp(o, "--json")) a->json = true;
            else if (!strcmp(o, "--sweep")) a->sweep = true;
            else if (!strcmp(o, "--exact")) a->exact = true;
            else if (!strcmp(o, "--generate")) a->generate = true;
            else if (!strcmp(o, "--bs-min")) a->bs_min = 1;
            else if (!strcmp(o, "--gmm-node")) a->gmm_node = 1;
            else if (!strcmp(o, "--no-close")) a->close = 0;
            else if (!strcmp(o, "--allow-drop")) a->place_all = 0;
            else if (!strcmp(o, "--rescore-all")) a->rescore_all = 1;
            else {
                fprintf(stderr, "xgc eval: bad option '%s'%s\n%s", o,
                        v ? "" : " (or missing value)", s_usage);
                return -1;
            }
        }
        i += takes;
    }
    return 0;
}

XGC_COMMAND(eval, "run the placement algorithms on an instance or generated data centres")
{
    s_args_t a;
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(s_usage, stdout);
        return 0;
    }
    if (s_parse(argc, argv, &a) < 0)
        return 2;
    int modes = !!a.instance + !!a.plan + a.sweep + !!a.scale + a.exact + a.generate;
    if (modes != 1) {
        fprintf(stderr, "xgc eval: give exactly one of --instance, --plan, --sweep, --scale, "
                        "--exact, --generate\n%s", s_usage);
        return 2;
    }
    if (a.instance)
        return s_eval_instance(&a);
    if (a.exact) {
        a.vms = a.vms > 0 ? a.vms : 8;
        a.pms = a.pms > 0 ? a.pms : 3;
        return s_exact(&a);
    }
    a.power = a.power >= 0 ? a.power : a.scale ? 2000 : a.generate ? 0 : 6000;
    if (a.scale)
        return s_scale(&a);
    a.vms = a.vms > 0 ? a.vms : a.plan ? 200 : 300;
    a.pms = a.pms > 0 ? a.pms : a.plan ? 25 : 30;
    if (a.generate)
        return s_generate(&a);
    return a.plan ? s_plan(&a) : s_sweep(&a);
}
