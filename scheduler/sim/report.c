/* report.c — JSON summary and the --out folder of xgc sim.
 *
 * Files (docs/sim.md): vms.csv (vm,name,mips,ram_mb), pms.csv
 * (pm,model,cores,core_mips,ram_mb), placement.csv (step,time_s,vm,pm: every
 * placed VM each interval, after the round's decisions; a migrating VM is on
 * its source), migrations.csv (vm,from_pm,to_pm,start_s,end_s),
 * intervals.csv (step,time_s,active_pms,power_w,overloaded_pms,migrations),
 * summary.json, plot.gp and power.svg/png, pms.svg/png from gnuplot.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "scheduler/sim/power.h"
#include "scheduler/sim/report.h"

extern char **environ;

struct _xgc_sim_report_t {
    char            *dir;
    FILE            *placement, *migrations;
    xgc_sim_config_t cfg;
    double           interval_s;
};

static void s_json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(out, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(out, "\\u%04x", *s);
        else
            fputc(*s, out);
    }
    fputc('"', out);
}

void xgc_sim_report_json(FILE *out, const xgc_sim_config_t *cfg, const xgc_sim_result_t *r,
                         const char *source, double runtime_s)
{
    fputc('{', out);
    xgc_sim_report_json_fields(out, cfg, r, source, runtime_s);
    fprintf(out, "}\n");
}

void xgc_sim_report_json_fields(FILE *out, const xgc_sim_config_t *cfg,
                                const xgc_sim_result_t *r, const char *source, double runtime_s)
{
    fprintf(out, "\"policy\": ");
    s_json_str(out, cfg->policy ? cfg->policy : "xgc");
    fprintf(out, ", \"source\": ");
    s_json_str(out, source);
    fprintf(out,
            ", \"mode\": \"%s\", \"energy_kwh\": %.6f, \"slatah\": %.8f, \"pdm\": %.8f,"
            " \"slav\": %.10g, \"esv\": %.10g, \"migrations\": %ld,"
            " \"slatah_mean\": %.8f, \"pdm_mean\": %.8f, \"slav_mean\": %.10g,"
            " \"esv_mean\": %.10g, \"sleeps\": %ld, \"wakes\": %ld,"
            " \"migrations_rejected\": %ld, \"vms\": %d, \"pms\": %d, \"steps\": %d,"
            " \"vms_removed\": %d, \"vms_unplaced\": %d, \"active_pm_hours\": %.4f,"
            " \"requested_mips_hours\": %.2f, \"runtime_s\": %.4f, \"cpu_s\": %.4f",
            cfg->cloudsim_2011 ? (cfg->full_workload ? "cloudsim-2011-full-workload"
                                                     : "cloudsim-2011")
                               : "xgc",
            r->energy_kwh, r->slatah, r->pdm, r->slav, r->esv, r->migrations, r->slatah_mean,
            r->pdm_mean, r->slav_mean, r->esv_mean, r->sleeps, r->wakes,
            r->migrations_rejected, r->n_vms, r->n_pms, r->n_steps, r->vms_removed,
            r->vms_unplaced, r->active_pm_hours, r->requested_mips_hours, runtime_s, r->cpu_s);
}

static FILE *s_open(const char *dir, const char *name, char *err, size_t err_len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
    return f;
}

void xgc_sim_report_destroy(xgc_sim_report_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    xgc_sim_report_t *self = *self_p;
    if (self->placement)
        fclose(self->placement);
    if (self->migrations)
        fclose(self->migrations);
    free(self->dir);
    free(self);
    *self_p = NULL;
}

static int s_write_catalogue(const char *dir, const xgc_trace_t *t, const xgc_sim_config_t *cfg,
                             char *err, size_t err_len)
{
    FILE *f = s_open(dir, "vms.csv", err, err_len);
    if (!f)
        return -1;
    fprintf(f, "vm,name,mips,ram_mb\n");
    for (int v = 0; v < t->n_vms; v++) {
        fprintf(f, "%d,", v);
        s_json_str(f, t->vms[v].name);   /* quoted: names may hold commas */
        fprintf(f, ",%.0f,%d\n", t->vms[v].mips, t->vms[v].ram_mb);
    }
    fclose(f);
    if (!(f = s_open(dir, "pms.csv", err, err_len)))
        return -1;
    fprintf(f, "pm,model,cores,core_mips,ram_mb\n");
    for (int p = 0; p < cfg->n_pms; p++) {
        const xgc_sim_power_t *m = p % 2 ? &xgc_power_g5 : &xgc_power_g4;
        fprintf(f, "%d,%s,%d,%.0f,%d\n", p, m->name, m->cores, m->core_mips, m->ram_mb);
    }
    fclose(f);
    return 0;
}

xgc_sim_report_t *xgc_sim_report_open(const char *dir, const xgc_trace_t *trace,
                                      const xgc_sim_config_t *cfg, char *err, size_t err_len)
{
    if (mkdir(dir, 0755) && errno != EEXIST) {
        snprintf(err, err_len, "%s: cannot create: %s", dir, strerror(errno));
        return NULL;
    }
    xgc_sim_report_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    self->dir = strdup(dir);
    self->cfg = *cfg;
    self->interval_s = trace->interval_s;
    if (!self->dir || s_write_catalogue(dir, trace, cfg, err, err_len)
        || !(self->placement = s_open(dir, "placement.csv", err, err_len))
        || !(self->migrations = s_open(dir, "migrations.csv", err, err_len))) {
        xgc_sim_report_destroy(&self);
        return NULL;
    }
    fprintf(self->placement, "step,time_s,vm,pm\n");
    fprintf(self->migrations, "vm,from_pm,to_pm,start_s,end_s\n");
    return self;
}

static void s_on_interval(void *arg, int step, double t, const int *vm_pm, int n_vms)
{
    xgc_sim_report_t *self = arg;
    for (int v = 0; v < n_vms; v++)
        if (vm_pm[v] >= 0)
            fprintf(self->placement, "%d,%.0f,%d,%d\n", step, t, v, vm_pm[v]);
}

static void s_on_migration(void *arg, int vm, int from, int to, double start, double end)
{
    xgc_sim_report_t *self = arg;
    fprintf(self->migrations, "%d,%d,%d,%.3f,%.3f\n", vm, from, to, start, end);
}

xgc_sim_observer_t xgc_sim_report_observer(xgc_sim_report_t *self)
{
    return (xgc_sim_observer_t){self, s_on_interval, s_on_migration};
}

/* gnuplot string literal: single quotes doubled. */
static void s_gp_path(FILE *f, const char *dir, const char *name)
{
    fputc('\'', f);
    for (const char *c = dir; *c; c++)
        fputs(*c == '\'' ? "''" : (char[]){*c, 0}, f);
    fprintf(f, "/%s'", name);
}

static int s_write_plot(const char *dir, const char *policy, char *err, size_t err_len)
{
    FILE *f = s_open(dir, "plot.gp", err, err_len);
    if (!f)
        return -1;
    fprintf(f, "# xgc sim plots: gnuplot plot.gp\nset datafile separator ','\n"
               "set key autotitle columnhead\nset xlabel 'hours'\nset grid\n");
    const char *term[] = {"svg size 900,400", "pngcairo size 900,400"};
    const char *ext[] = {"svg", "png"};
    for (int i = 0; i < 2; i++) {
        fprintf(f, "set terminal %s\nset output ", term[i]);
        s_gp_path(f, dir, ext[i][0] == 's' ? "power.svg" : "power.png");
        fprintf(f, "\nset title 'xgc sim: %s, mean power (W)'\nplot ", policy);
        s_gp_path(f, dir, "intervals.csv");
        fprintf(f, " using ($2/3600):4 with lines title 'power W'\nset output ");
        s_gp_path(f, dir, ext[i][0] == 's' ? "pms.svg" : "pms.png");
        fprintf(f, "\nset title 'xgc sim: %s, PMs awake / overloaded, migrations'\nplot ",
                policy);
        s_gp_path(f, dir, "intervals.csv");
        fprintf(f, " using ($2/3600):3 with lines title 'awake', '' using ($2/3600):5 "
                   "with lines title 'overloaded', '' using ($2/3600):6 with impulses "
                   "title 'migrations'\nset output\n");
    }
    fclose(f);
    return 0;
}

/* Runs gnuplot on plot.gp; 0 ok, 1 when gnuplot is missing or fails. */
static int s_run_gnuplot(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/plot.gp", dir);
    char *argv[] = {"gnuplot", path, NULL};
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    int status = 0;
    if (rc || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
        return 1;
    return 0;
}

int xgc_sim_report_close(xgc_sim_report_t **self_p, const xgc_sim_result_t *r,
                         const char *source, double runtime_s, char *err, size_t err_len)
{
    xgc_sim_report_t *self = *self_p;
    int rc = -1;
    FILE *f = s_open(self->dir, "intervals.csv", err, err_len);
    if (f) {
        fprintf(f, "step,time_s,active_pms,power_w,overloaded_pms,migrations\n");
        for (int k = 0; k < r->n_steps; k++)
            fprintf(f, "%d,%.0f,%d,%.3f,%d,%d\n", k, k * self->interval_s, r->active[k],
                    r->power_w[k],
                    r->overloaded[k], r->migrations_at[k]);
        fclose(f);
        rc = 0;
    }
    if (!rc && (f = s_open(self->dir, "summary.json", err, err_len))) {
        xgc_sim_report_json(f, &self->cfg, r, source, runtime_s);
        fclose(f);
    } else {
        rc = -1;
    }
    if (!rc && s_write_plot(self->dir, self->cfg.policy ? self->cfg.policy : "xgc", err, err_len))
        rc = -1;
    if (!rc && s_run_gnuplot(self->dir)) {
        snprintf(err, err_len, "gnuplot failed or is missing: plots not drawn (%s/plot.gp)",
                 self->dir);
        rc = 1;
    }
    xgc_sim_report_destroy(self_p);
    return rc;
}
