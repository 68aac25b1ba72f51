/* xgc sim — replays CPU traces through the simulated data centre of
 * BENCHMARKS.md §2 in virtual time and prints energy, SLA violations and
 * migrations (docs/sim.md). Exit 0 ok, 1 run failed, 2 bad usage or input
 * (a plugin policy's bad move included). Given a folder of day folders
 * (YYYYMMDD), it replays each day with the same options and prints a row
 * per day and the medians, as the reference's Table V.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "xgc_stats.h"
#include "scheduler/policy/params.h"
#include "scheduler/sim/report.h"
#include "scheduler/sim/sim.h"
#include "tools/xgc_cmd.h"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: xgc sim (--planetlab DIR | --trace FILE.csv) [options]\n"
            "  --planetlab ROOT  a folder of day folders (YYYYMMDD): one row per day\n"
            "                    and the median row (docs/sim.md)\n"
            "  --policy P        %s\n"
            "                    xgc:key=value,... sets xgc's parameters (--policy-keys)\n"
            "  --policy-keys     list xgc's policy parameters with their defaults\n"
            "  --cloudsim-2011   CloudSim's behaviours of 2011 (VMs removed at 0 %%, ...)\n"
            "  --full-workload   with --cloudsim-2011: keep VMs at 0 %% (all else as 2011)\n"
            "  --pms N           number of PMs (800)\n"
            "  --ram-limit       enforce 4 GB of RAM per PM\n"
            "  --interval S      --trace sampling period in seconds (300)\n"
            "  --steps A:B       replay samples A..B-1 only\n"
            "  --shuffle-types SEED   deal the VM types at random\n"
            "  --shift SEED      rotate each VM's trace by a random offset\n"
            "  --vms K/N         only the VMs whose index modulo N is K (types kept)\n"
            "  --json            print one JSON object\n"
            "  --out DIR         per-interval CSV, placement log, migrations, plots\n"
            "  --strict          a PlanetLab file with a bad line is an error (exit 2)\n",
            xgc_sim_policy_help());
}

typedef struct {
    const char *planetlab, *trace, *out, *steps, *part;
    int json, strict, shuffle, shift;
    unsigned shuffle_seed, shift_seed;
    double interval;
} s_opts_t;

/* Parses the options into opts and cfg; 0, or 2 with a message. */
static int s_parse(int argc, char **argv, s_opts_t *o, xgc_sim_config_t *cfg)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(a, "--planetlab") && val) o->planetlab = val;
        else if (!strcmp(a, "--trace") && val) o->trace = val;
        else if (!strcmp(a, "--policy") && val) cfg->policy = val;
        else if (!strcmp(a, "--out") && val) o->out = val;
        else if (!strcmp(a, "--steps") && val) o->steps = val;
        else if (!strcmp(a, "--vms") && val) o->part = val;
        else if (!strcmp(a, "--pms") && val) cfg->n_pms = atoi(val);
        else if (!strcmp(a, "--interval") && val) o->interval = atof(val);
        else if (!strcmp(a, "--shuffle-types") && val)
            o->shuffle = 1, o->shuffle_seed = (unsigned)strtoul(val, NULL, 10);
        else if (!strcmp(a, "--shift") && val)
            o->shift = 1, o->shift_seed = (unsigned)strtoul(val, NULL, 10);
        else {
            takes = 0;
            if (!strcmp(a, "--cloudsim-2011")) cfg->cloudsim_2011 = 1;
            else if (!strcmp(a, "--full-workload")) cfg->full_workload = 1;
            else if (!strcmp(a, "--ram-limit")) cfg->ram_limit = 1;
            else if (!strcmp(a, "--json")) o->json = 1;
            else if (!strcmp(a, "--strict")) o->strict = 1;
            else {
                fprintf(stderr, "xgc sim: unknown or incomplete option '%s'\n", a);
                s_usage(stderr);
                return 2;
            }
        }
        i += takes;
    }
    if (!o->planetlab == !o->trace) {
        fprintf(stderr, "xgc sim: give exactly one of --planetlab DIR and --trace FILE.csv\n");
        s_usage(stderr);
        return 2;
    }
    char err[256];
    if (cfg->n_pms <= 0 || !(o->interval > 0)) {
        fprintf(stderr, "xgc sim: --pms and --interval must be positive\n");
        return 2;
    }
    if (xgc_sim_policy_check(cfg->policy, err, sizeof err)) {
        fprintf(stderr, "xgc sim: %s\n", err);
        return 2;
    }
    if (cfg->full_workload && !cfg->cloudsim_2011) {
        fprintf(stderr, "xgc sim: --full-workload goes with --cloudsim-2011\n");
        return 2;
    }
    return 0;
}

/* Applies --steps, --vms, --shuffle-types, --shift; replaces *t. 0 or 2. */
static int s_transform(const s_opts_t *o, xgc_trace_t **t)
{
    xgc_trace_t *next = NULL;
    if (o->steps) {
        int a = -1, b = -1;
        if (sscanf(o->steps, "%d:%d", &a, &b) != 2 || !(next = xgc_trace_slice(*t, a, b))) {
            fprintf(stderr, "xgc sim: --steps %s: need A:B with 0 <= A < B <= %d\n", o->steps,
                    (*t)->n_steps);
            return 2;
        }
        xgc_trace_destroy(t);
        *t = next;
    }
    if (o->part) {
        int k = -1, n = -1;
        if (sscanf(o->part, "%d/%d", &k, &n) != 2 || !(next = xgc_trace_part(*t, k, n))) {
            fprintf(stderr, "xgc sim: --vms %s: need K/N with 0 <= K < N and K < %d VMs\n",
                    o->part, (*t)->n_vms);
            return 2;
        }
        xgc_trace_destroy(t);
        *t = next;
    }
    if (o->shuffle && (next = xgc_trace_shuffle_types(*t, o->shuffle_seed))) {
        xgc_trace_destroy(t);
        *t = next;
    }
    if (o->shift && (next = xgc_trace_shift(*t, o->shift_seed))) {
        xgc_trace_destroy(t);
        *t = next;
    }
    return 0;
}

static xgc_trace_t *s_load(const s_opts_t *o, const char *dir)
{
    char err[512];
    xgc_trace_t *t;
    if (o->trace) {
        t = xgc_trace_load_csv(o->trace, o->interval, err, sizeof err);
    } else {
        static char warn[16384];
        t = xgc_trace_load_planetlab(dir, err, sizeof err, warn, sizeof warn);
        if (t && warn[0]) {
            fprintf(stderr, "xgc sim: warning: %s", warn);
            if (o->strict) {
                fprintf(stderr, "xgc sim: --strict: bad trace files\n");
                xgc_trace_destroy(&t);
                return NULL;
            }
        }
    }
    if (!t && err[0])
        fprintf(stderr, "xgc sim: %s\n", err);
    return t;
}

static const char *s_mode(const xgc_sim_config_t *cfg)
{
    return cfg->cloudsim_2011 ? (cfg->full_workload ? " [cloudsim-2011, full workload]"
                                                    : " [cloudsim-2011]")
                              : "";
}

static void s_print_text(const xgc_sim_config_t *cfg, const xgc_sim_result_t *r, double secs)
{
    printf("policy %s%s: %d VMs, %d PMs, %d intervals (%.2f s, %.2f s CPU)\n", cfg->policy,
           s_mode(cfg), r->n_vms, r->n_pms, r->n_steps, secs, r->cpu_s);
    printf("  energy      %10.2f kWh\n", r->energy_kwh);
    printf("  SLATAH      %10.4f %%   (mean per PM %.4f %%)\n", r->slatah * 100,
           r->slatah_mean * 100);
    printf("  PDM         %10.4f %%   (mean per VM %.4f %%)\n", r->pdm * 100, r->pdm_mean * 100);
    printf("  SLAV        %10.4f e-5 (means %.4f e-5)\n", r->slav * 1e5, r->slav_mean * 1e5);
    printf("  ESV         %10.4f e-3 (means %.4f e-3)\n", r->esv * 1e3, r->esv_mean * 1e3);
    printf("  migrations  %10ld      (rejected %ld)\n", r->migrations, r->migrations_rejected);
    printf("  PM sleeps   %10ld      wakes %ld\n", r->sleeps, r->wakes);
    if (r->vms_removed || r->vms_unplaced)
        printf("  VMs removed at 0 %% %d, unplaced %d\n", r->vms_removed, r->vms_unplaced);
}

/* --policy-keys: the parameter table, the same names as the deployment
 * file's scheduler.consolidate / scheduler.demand (docs/scheduler.md). */
static void s_policy_keys(void)
{
    xgc_policy_params_t def;
    xgc_policy_params_default(&def);
    printf("%-10s %-8s %-12s %s\n", "key", "default", "section", "meaning");
    const xgc_policy_key_t *k;
    for (size_t i = 0; (k = xgc_policy_key_at(i)); i++)
        printf("%-10s %-8g %-12s %s%s\n", k->name, xgc_policy_key_get(&def, k),
               k->set == XGC_POLICY_PLAN ? "consolidate" : "demand", k->what,
               k->rounds ? " (in rounds; the file takes <key>_ms)" : "");
}

/* One replay: a folder (or the --trace file) loaded, transformed and run. */
typedef struct {
    const char      *source;     /* the folder or file replayed */
    const char      *name;       /* the day's folder name (several days) */
    xgc_sim_result_t r;
    double           secs;
} s_day_t;

/* Runs d->source with the options; --out into out_dir if not NULL. 0 with
 * d->r filled (free it), or 1 / 2 with a message and nothing to free.
 * *out_rc is 1 when the --out folder could not be written (d->r is valid). */
static int s_run_day(const s_opts_t *o, const xgc_sim_config_t *cfg, s_day_t *d,
                     const char *out_dir, int *out_rc)
{
    xgc_trace_t *t = s_load(o, d->source);
    if (!t)
        return 2;
    if (s_transform(o, &t)) {
        xgc_trace_destroy(&t);
        return 2;
    }
    char err[512] = "";
    xgc_sim_report_t *report = NULL;
    xgc_sim_observer_t obs = {0};
    if (out_dir) {
        if (!(report = xgc_sim_report_open(out_dir, t, cfg, err, sizeof err))) {
            fprintf(stderr, "xgc sim: %s\n", err);
            xgc_trace_destroy(&t);
            return 2;
        }
        obs = xgc_sim_report_observer(report);
    }
    struct timespec a, b, ca, cb;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
    int rc = xgc_sim_run(t, cfg, report ? &obs : NULL, &d->r, err, sizeof err);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
    clock_gettime(CLOCK_MONOTONIC, &b);
    xgc_trace_destroy(&t);
    d->secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    if (rc) {
        fprintf(stderr, "xgc sim: %s\n", err);
        xgc_sim_report_destroy(&report);
        return rc == -2 ? 2 : 1;
    }
    d->r.cpu_s = (double)(cb.tv_sec - ca.tv_sec) + (cb.tv_nsec - ca.tv_nsec) / 1e9;
    if (d->r.vms_unplaced)   /* the run served a lighter workload than asked */
        fprintf(stderr, "xgc sim: warning: %d VMs found no PM at start and never ran\n",
                d->r.vms_unplaced);
    *out_rc = 0;
    if (report) {
        int w = xgc_sim_report_close(&report, &d->r, d->source, d->secs, err, sizeof err);
        if (w)
            fprintf(stderr, "xgc sim: %s%s\n", w > 0 ? "warning: " : "", err);
        *out_rc = w < 0 ? 1 : 0;
    }
    return 0;
}

/* Several days: ROOT's sub-folders named YYYYMMDD, in name order. */
typedef struct {
    struct dirent **names;
    int             n;
} s_days_t;

static int s_is_day(const struct dirent *e)
{
    size_t k = 0;
    while (e->d_name[k] >= '0' && e->d_name[k] <= '9')
        k++;
    return k == 8 && !e->d_name[8];
}

static void s_days_free(s_days_t *days)
{
    for (int i = 0; i < days->n; i++)
        free(days->names[i]);
    free(days->names);
    days->names = NULL, days->n = 0;
}

static int s_is_dir(const char *root, const char *name)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", root, name);
    return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Lists root's day folders into days (n = 0: root is one day's folder, or
 * not a folder: the loader says so). 2 when root mixes VM files and days. */
static int s_days_list(const char *root, s_days_t *days)
{
    struct dirent **all;
    int n = scandir(root, &all, NULL, alphasort);
    if (n < 0)
        return 0;
    int files = 0;
    for (int i = 0; i < n; i++) {
        struct dirent *e = all[i];
        if (e->d_name[0] == '.' || s_is_dir(root, e->d_name)) {
            if (e->d_name[0] != '.' && s_is_day(e))
                all[days->n++] = e;   /* compacts the day folders in front */
            else
                free(e);
        } else {
            files = 1;
            free(e);
        }
    }
    days->names = all;
    if (days->n && files) {
        fprintf(stderr, "xgc sim: %s holds both VM files and day folders (YYYYMMDD);"
                        " give one day's folder or a folder of days\n", root);
        s_days_free(days);
        return 2;
    }
    if (!days->n)
        s_days_free(days);
    return 0;
}

/* The metrics of a day's row and of the median row (Table V's columns and
 * the rest of the summary's), in JSON's names. */
enum { S_N_METRICS = 13 };
static const char *s_metric_names[S_N_METRICS] = {
    "energy_kwh", "slatah", "pdm", "slav", "esv", "migrations", "sleeps",
    "slatah_mean", "pdm_mean", "slav_mean", "esv_mean", "wakes", "migrations_rejected"};

static void s_metrics(const xgc_sim_result_t *r, double *v)
{
    double all[S_N_METRICS] = {r->energy_kwh, r->slatah, r->pdm, r->slav, r->esv,
                               (double)r->migrations, (double)r->sleeps, r->slatah_mean,
                               r->pdm_mean, r->slav_mean, r->esv_mean, (double)r->wakes,
                               (double)r->migrations_rejected};
    memcpy(v, all, sizeof all);
}

/* Each metric's median over the days, independently (as Table V). */
static void s_median(const s_day_t *days, int n, double *med)
{
    double *col = calloc((size_t)n, sizeof *col), v[S_N_METRICS];
    for (int m = 0; col && m < S_N_METRICS; m++) {
        for (int i = 0; i < n; i++) {
            s_metrics(&days[i].r, v);
            col[i] = v[m];
        }
        med[m] = xgc_stats_median(col, (size_t)n);
    }
    free(col);
}

static void s_print_row(const char *name, const double *v)
{
    printf("%-8s %10.2f %9.4f %9.4f %9.4f %9.4f %10.10g %8.10g\n", name, v[0], v[1] * 100,
           v[2] * 100, v[3] * 1e5, v[4] * 1e3, v[5], v[6]);
}

static void s_print_days(const xgc_sim_config_t *cfg, const s_day_t *days, int n,
                         const double *med)
{
    double secs = 0, cpu = 0, v[S_N_METRICS];
    for (int i = 0; i < n; i++)
        secs += days[i].secs, cpu += days[i].r.cpu_s;
    printf("policy %s%s: %d day%s, %d PMs (%.2f s, %.2f s CPU)\n", cfg->policy, s_mode(cfg), n,
           n == 1 ? "" : "s", cfg->n_pms, secs, cpu);
    printf("%-8s %10s %9s %9s %9s %9s %10s %8s\n", "day", "energy", "SLATAH", "PDM", "SLAV",
           "ESV", "migrations", "sleeps");
    printf("%-8s %10s %9s %9s %9s %9s\n", "", "kWh", "%", "%", "e-5", "e-3");
    for (int i = 0; i < n; i++) {
        s_metrics(&days[i].r, v);
        s_print_row(days[i].name, v);
    }
    s_print_row("median", med);
}

static void s_json_days(const xgc_sim_config_t *cfg, const s_day_t *days, int n,
                        const double *med)
{
    printf("{\"days\": [");
    for (int i = 0; i < n; i++) {
        printf("%s{\"day\": \"%s\", ", i ? ", " : "", days[i].name);
        xgc_sim_report_json_fields(stdout, cfg, &days[i].r, days[i].source, days[i].secs);
        printf("}");
    }
    printf("], \"median\": {");
    for (int m = 0; m < S_N_METRICS; m++)
        printf("%s\"%s\": %.10g", m ? ", " : "", s_metric_names[m], med[m]);
    printf("}}\n");
}

/* Replays every day in turn with the same options (--out: DIR/<day>/);
 * a day that fails stops the run, and no row is printed. */
static int s_run_days(const s_opts_t *o, const xgc_sim_config_t *cfg, const s_days_t *list)
{
    if (o->out && mkdir(o->out, 0755) && errno != EEXIST) {
        fprintf(stderr, "xgc sim: %s: cannot create: %s\n", o->out, strerror(errno));
        return 2;
    }
    s_day_t *days = calloc((size_t)list->n, sizeof *days);
    char (*paths)[2][4096] = calloc((size_t)list->n, sizeof *paths);
    int rc = days && paths ? 0 : 1, n = 0, out_rc = 0;
    for (; !rc && n < list->n; n++) {
        const char *name = list->names[n]->d_name;
        snprintf(paths[n][0], sizeof paths[n][0], "%s/%s", o->planetlab, name);
        snprintf(paths[n][1], sizeof paths[n][1], "%s/%s", o->out ? o->out : "", name);
        days[n] = (s_day_t){.source = paths[n][0], .name = name};
        int w = 0;
        if ((rc = s_run_day(o, cfg, &days[n], o->out ? paths[n][1] : NULL, &w)))
            fprintf(stderr, "xgc sim: day %s (%s) failed: no rows printed\n", name,
                    paths[n][0]);
        out_rc |= w;
    }
    if (!rc) {
        double med[S_N_METRICS];
        s_median(days, n, med);
        if (o->json)
            s_json_days(cfg, days, n, med);
        else
            s_print_days(cfg, days, n, med);
    }
    for (int i = 0; i < n - (rc != 0); i++)
        xgc_sim_result_free(&days[i].r);
    free(days);
    free(paths);
    return rc ? rc : out_rc;
}

XGC_COMMAND(sim, "replay CPU traces in virtual time (energy, SLA, migrations)")
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        s_usage(stdout);
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "--policy-keys")) {
        s_policy_keys();
        return 0;
    }
    xgc_sim_config_t cfg;
    xgc_sim_config_default(&cfg);
    s_opts_t o = {0};
    o.interval = 300;
    int rc = s_parse(argc, argv, &o, &cfg);
    if (rc)
        return rc;
    if (o.planetlab) {
        s_days_t days = {0};
        if (s_days_list(o.planetlab, &days))
            return 2;
        if (days.n) {
            rc = s_run_days(&o, &cfg, &days);
            s_days_free(&days);
            return rc;
        }
    }
    s_day_t d = {.source = o.trace ? o.trace : o.planetlab};
    int out_rc = 0;
    if ((rc = s_run_day(&o, &cfg, &d, o.out, &out_rc)))
        return rc;
    if (o.json)
        xgc_sim_report_json(stdout, &cfg, &d.r, d.source, d.secs);
    else
        s_print_text(&cfg, &d.r, d.secs);
    xgc_sim_result_free(&d.r);
    return out_rc;
}
