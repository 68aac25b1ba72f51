/* xgc inject — load for a running deployment, bounded in count and time,
 * printing what it sends:
 *   arrivals    new VM specs, step-wise (the seed's plan: BATCH VMs every
 *               interval), Poisson (RATE per second), or from a trace file
 *   departures  delete specs of the pool (oldest name first)
 *   churn       one arrival and one departure per interval
 *   load        metric.vm.<name> events for N VMs × RATE per second
 *   bad         malformed frames and invalid specs (must be refused/counted)
 * `--injector NAME` runs the deployment's injectors: entry NAME, whose keys
 * are these options without the dashes (kind: arrivals, count: 40, ...). */
#include <czmq.h>
#include <math.h>

#include "xgc_log.h"
#include "xgc_msg.h"
#include "tools/sched_cli.h"
#include "tools/xgc_cmd.h"

static const char *s_usage =
    "usage: xgc inject KIND [options]   or   xgc inject --injector NAME\n"
    "kinds: arrivals departures churn load bad\n"
    "  --count N          items to send (default 10; at most 1000000)\n"
    "  --duration S       stop after S seconds whatever the count (default 600)\n"
    "  --interval-ms MS   between steps (default 1000)\n"
    "  --batch K          arrivals per step (default 1)\n"
    "  --mode M           arrivals: step (default) | poisson | trace\n"
    "  --rate R           poisson: arrivals per second; load: reports per VM per second\n"
    "  --trace FILE       trace: lines 'time_s name min max mem [shares umin umax]'\n"
    "  --prefix P         VM names P-0001, P-0002... (default 'inj')\n"
    "  --start K          first number (default: after the highest present)\n"
    "  --random SEED      arrivals: specs from the benchmark generator\n"
    "  --vms N            load: VMs (the first N of the pool; default all)\n"
    "  --cpu FRAC         load: CPU as a fraction of max (default 0.9)\n"
    "  --pattern P        load: const | step | sine (period --period-s, default 20)\n"
    "  --quiet            print totals only\n"
    "spec options (arrivals, churn; default min 500, max 1000, mem 256):\n"
    XGC_SCHED_CLI_SPEC_USAGE;

typedef struct {
    const char *kind, *mode, *trace, *prefix, *pattern;
    double count, duration_s, interval_ms, batch, rate, start, seed, vms, cpu, period_s;
    bool quiet, random;
    xgc_vm_spec_t spec;
    /* run state */
    xgc_config_t *cfg;
    xgc_bus_t *bus;
    int64_t t0, deadline;
    long sent, refused;
    xgc_vm_spec_t *gen;          /* --random specs */
} s_inj_t;

static bool s_time_left(const s_inj_t *in)
{
    return xgc_log_mono_ms() < in->deadline && !zsys_interrupted;
}

/* Sleep until t0 + at_ms (keeping the bus served). */
static void s_wait_until(s_inj_t *in, double at_ms)
{
    int64_t due = in->t0 + (int64_t)at_ms;
    while (s_time_left(in) && xgc_log_mono_ms() < due) {
        int64_t left = due - xgc_log_mono_ms();
        xgc_bus_poll(in->bus, (int)(left < 100 ? left : 100));
    }
}

static void s_collect(void *arg, const char *key, const uint8_t *value, size_t len,
                      uint64_t seq)
{
    (void)value;
    (void)len;
    (void)seq;
    char name[XGC_NAME_MAX + 8];
    const char *end = strstr(key + 3, "/spec");
    if (end && !end[5] && (size_t)(end - key - 3) < XGC_NAME_MAX) {
        snprintf(name, sizeof name, "%.*s", (int)(end - key - 3), key + 3);
        zlistx_add_end(arg, strdup(name));
    }
}

/* Names of the pool's VMs that have a spec, sorted (departures, churn,
 * load; --start after the highest). */
static zlistx_t *s_pool(s_inj_t *in)
{
    zlistx_t *names = zlistx_new();
    char prefix[XGC_NAME_MAX + 8];
    zlistx_set_destructor(names, (zlistx_destructor_fn *)zstr_free);
    zlistx_set_comparator(names, (zlistx_comparator_fn *)strcmp);
    snprintf(prefix, sizeof prefix, "vm/%s", in->prefix);
    xgc_bus_foreach(in->bus, prefix, s_collect, names);
    zlistx_sort(names);
    return names;
}

/* The spec of arrival number k. */
static void s_spec_of(const s_inj_t *in, long k, xgc_vm_spec_t *spec)
{
    *spec = in->gen ? in->gen[(k - (long)in->start) % (long)in->count] : in->spec;
    snprintf(spec->name, sizeof spec->name, "%s-%04ld", in->prefix, k);
}

static int s_put(s_inj_t *in, const xgc_vm_spec_t *spec, const char *why)
{
    char err[512], key[XGC_BUS_MAX_KEY + 1];
    void *data;
    size_t len;
    if (xgc_vm_spec_validate(spec, err, sizeof err) < 0) {
        fprintf(stderr, "xgc inject: invalid spec not sent: %s\n", err);
        in->refused++;
        return -1;
    }
    snprintf(key, sizeof key, XGC_KEY_VM_SPEC, spec->name);
    if (xgc_msg_vm_spec_encode(spec, &data, &len) < 0 || xgc_bus_set(in->bus, key, data, len, 0) < 0)
        return -1;
    free(data);
    in->sent++;
    if (!in->quiet)
        printf("%8.3f %s %s min %.0f max %.0f mem %.0f\n",
               (double)(xgc_log_mono_ms() - in->t0) / 1000, why, spec->name, spec->min_mhz,
               spec->max_mhz, spec->mem_mb);
    return 0;
}

static int s_del(s_inj_t *in, const char *name)
{
    char key[XGC_BUS_MAX_KEY + 1];
    snprintf(key, sizeof key, XGC_KEY_VM_SPEC, name);
    if (xgc_bus_del(in->bus, key) < 0)
        return -1;
    in->sent++;
    if (!in->quiet)
        printf("%8.3f departure %s\n", (double)(xgc_log_mono_ms() - in->t0) / 1000, name);
    return 0;
}

/* The number after the highest "<prefix>-NNNN" present. */
static long s_next_number(s_inj_t *in)
{
    zlistx_t *pool = s_pool(in);
    long next = 1;
    for (char *n = zlistx_first(pool); n; n = zlistx_next(pool)) {
        const char *dash = strrchr(n, '-');
        long k = dash ? atol(dash + 1) : 0;
        if (k >= next)
            next = k + 1;
    }
    zlistx_destroy(&pool);
    return next;
}

/* arrivals, step or poisson. */
static int s_arrivals(s_inj_t *in)
{
    long k = (long)in->start;
    double at = 0;
    unsigned long long x = (unsigned long long)in->seed * 2654435761ULL + 1;
    for (long sent = 0; sent < (long)in->count && s_time_left(in);) {
        s_wait_until(in, at);
        for (long b = 0; b < (long)in->batch && sent < (long)in->count && s_time_left(in); b++) {
            xgc_vm_spec_t spec;
            s_spec_of(in, k++, &spec);
            s_put(in, &spec, "arrival");
            sent++;
        }
        if (!strcmp(in->mode, "poisson")) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;   /* LCG */
            double u = ((double)(x >> 11) + 0.5) / 9007199254740992.0;
            at += -log(u) / in->rate * 1000;
        } else {
            at += in->interval_ms;
        }
    }
    return 0;
}

/* arrivals from a trace: "time_s name min max mem [shares umin umax]",
 * a name starting with '-' is that VM's departure. */
static int s_trace(s_inj_t *in)
{
    FILE *f = fopen(in->trace, "r");
    char line[512];
    int lineno = 0;
    if (!f) {
        fprintf(stderr, "xgc inject: cannot read %s: %s\n", in->trace, strerror(errno));
        return 2;
    }
    while (fgets(line, sizeof line, f) && in->sent < (long)in->count && s_time_left(in)) {
        xgc_vm_spec_t spec = in->spec;
        double t;
        char name[XGC_NAME_MAX];
        lineno++;
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == 0)
            continue;
        int n = sscanf(line, "%lf %63s %lf %lf %lf %lf %lf %lf", &t, name, &spec.min_mhz,
                       &spec.max_mhz, &spec.mem_mb, &spec.shares, &spec.utility_min,
                       &spec.utility_max);
        if (n < 2 || (name[0] != '-' && n < 5)) {
            fprintf(stderr, "xgc inject: %s:%d: expected 'time_s name min max mem ...'\n",
                    in->trace, lineno);
            in->refused++;
            continue;
        }
        if (n < 8)
            spec.utility_max = n >= 7 ? spec.utility_min : spec.utility_max;
        s_wait_until(in, t * 1000);
        snprintf(spec.name, sizeof spec.name, "%s", name[0] == '-' ? name + 1 : name);
        if (name[0] == '-')
            s_del(in, spec.name);
        else
            s_put(in, &spec, "arrival");
    }
    fclose(f);
    return 0;
}

static int s_departures(s_inj_t *in, bool churn)
{
    zlistx_t *pool = s_pool(in);
    long k = s_next_number(in);
    double at = 0;
    char *name = zlistx_first(pool);
    for (long i = 0; i < (long)in->count && s_time_left(in); i++, at += in->interval_ms) {
        s_wait_until(in, at);
        if (churn) {
            xgc_vm_spec_t spec;
            s_spec_of(in, k++, &spec);
            s_put(in, &spec, "arrival");
        }
        if (!name) {
            if (!churn)
                break;
            continue;
        }
        s_del(in, name);
        name = zlistx_next(pool);
    }
    zlistx_destroy(&pool);
    return 0;
}

/* metric.vm.<name> for the pool's first N VMs, RATE times a second. */
static int s_load(s_inj_t *in)
{
    zlistx_t *pool = s_pool(in);
    size_t n = zlistx_size(pool);
    if (in->vms > 0 && (size_t)in->vms < n)
        n = (size_t)in->vms;
    double period_ms = 1000.0 / in->rate, at = 0;
    for (long tick = 0; in->sent < (long)in->count && s_time_left(in); tick++, at += period_ms) {
        s_wait_until(in, at);
        double t = at / 1000, frac = in->cpu;
        if (!strcmp(in->pattern, "sine"))
            frac = in->cpu * (0.55 + 0.45 * sin(2 * M_PI * t / in->period_s));
        else if (!strcmp(in->pattern, "step"))
            frac = fmod(t, in->period_s) < in->period_s / 2 ? in->cpu : in->cpu / 4;
        size_t i = 0;
        for (char *name = zlistx_first(pool); name && i < n && in->sent < (long)in->count;
             name = zlistx_next(pool), i++) {
            const xgc_vm_spec_t *spec = NULL;
            char key[XGC_BUS_MAX_KEY + 1], err[128], topic[XGC_BUS_MAX_KEY + 1];
            size_t len;
            xgc_vm_spec_t s;
            snprintf(key, sizeof key, XGC_KEY_VM_SPEC, name);
            const uint8_t *v = xgc_bus_get(in->bus, key, &len, NULL);
            if (v && xgc_msg_vm_spec_decode(v, len, &s, err, sizeof err) == 0)
                spec = &s;
            xgc_metric_vm_t m = {.ts_ms = xgc_log_now_ms(), .cpu_mhz = frac * (spec ? spec->max_mhz : 1000),
                                 .cpu_pct = frac * 100, .resp_ms = -1, .alive = true};
            void *data;
            snprintf(m.vm, sizeof m.vm, "%s", name);
            snprintf(topic, sizeof topic, XGC_TOPIC_METRIC_VM, name);
            if (xgc_msg_metric_vm_encode(&m, &data, &len) == 0) {
                xgc_bus_publish(in->bus, topic, data, len);
                free(data);
                in->sent++;
            }
        }
        if (!in->quiet)
            printf("%8.3f load %zu VMs at %.0f%% of max\n", t, i, frac * 100);
    }
    zlistx_destroy(&pool);
    return 0;
}

/* Malformed frames on metric topics and invalid specs: the broker or the
 * scheduler must refuse or count every one, and nothing may change. */
static int s_bad(s_inj_t *in)
{
    static const uint8_t frames[][8] = {
        {0xc1}, {0x81, 0xa1, 'v'}, {0xdf, 0xff, 0xff, 0xff, 0xff}, {0x92, 0x01}, {0xa3, 'a', 'b'}};
    static const size_t lens[] = {1, 3, 5, 2, 3};
    for (long i = 0; i < (long)in->count && s_time_left(in); i++) {
        int f = (int)(i % 5);
        char topic[64];
        snprintf(topic, sizeof topic, "metric.vm.%s-bad", in->prefix);
        int rc = xgc_bus_publish(in->bus, topic, frames[f], lens[f]);
        /* An invalid spec (min > max) written raw, as a buggy client would. */
        xgc_vm_spec_t spec = in->spec;
        void *data;
        size_t len;
        char key[XGC_BUS_MAX_KEY + 1];
        snprintf(spec.name, sizeof spec.name, "%s-bad-%ld", in->prefix, i);
        spec.min_mhz = spec.max_mhz + 100;
        snprintf(key, sizeof key, XGC_KEY_VM_SPEC, spec.name);
        int wrc = -1;
        if (xgc_msg_vm_spec_encode(&spec, &data, &len) == 0) {
            wrc = xgc_bus_set_sync(in->bus, key, data, len, 0, XGC_CLI_TIMEOUT_MS);
            free(data);
        }
        if (wrc == 0)            /* the scheduler ignores it; leave nothing behind */
            xgc_bus_del_sync(in->bus, key, XGC_CLI_TIMEOUT_MS);
        in->sent += 2;
        if (!in->quiet)
            printf("%8.3f bad frame %d on %s (%s); invalid spec %s (%s)\n",
                   (double)(xgc_log_mono_ms() - in->t0) / 1000, f, topic,
                   rc ? "refused" : "sent", key, wrc ? "refused" : "accepted by the broker");
    }
    return 0;
}

/* --- options --------------------------------------------------------------- */

static int s_option(s_inj_t *in, int argc, char **argv, int *i)
{
    struct { const char *opt; double *v; double lo, hi; } nums[] = {
        {"--count", &in->count, 0, 1e6}, {"--duration", &in->duration_s, 0, 86400},
        {"--interval-ms", &in->interval_ms, 0, 3.6e6}, {"--batch", &in->batch, 1, 1e4},
        {"--rate", &in->rate, 1e-3, 1e5}, {"--start", &in->start, 1, 1e9},
        {"--vms", &in->vms, 0, 1e7}, {"--cpu", &in->cpu, 0, 1},
        {"--period-s", &in->period_s, 0.1, 86400}};
    struct { const char *opt; const char **v; } strs[] = {
        {"--mode", &in->mode}, {"--trace", &in->trace}, {"--prefix", &in->prefix},
        {"--pattern", &in->pattern}};
    const char *o = argv[*i], *val = *i + 1 < argc ? argv[*i + 1] : NULL;
    if (!strcmp(o, "--quiet"))
        return in->quiet = true, 0;
    if (!strcmp(o, "--random")) {
        in->random = true;
        (*i)++;
        return xgc_sched_cli_number("inject", o, val, 0, 1e18, &in->seed);
    }
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++)
        if (!strcmp(o, nums[k].opt)) {
            (*i)++;
            return xgc_sched_cli_number("inject", o, val, nums[k].lo, nums[k].hi, nums[k].v);
        }
    for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
        if (!strcmp(o, strs[k].opt)) {
            if (!val)
                break;
            *strs[k].v = argv[++*i];
            return 0;
        }
    int r = xgc_sched_cli_spec_opt(argc, argv, i, &in->spec, "inject");
    if (r == 0)
        fprintf(stderr, "xgc inject: unknown option '%s'\n", o);
    return r == 1 ? 0 : -1;
}

static int s_check(s_inj_t *in)
{
    static const char *kinds[] = {"arrivals", "departures", "churn", "load", "bad"};
    bool known = false;
    for (int k = 0; k < 5; k++)
        known |= in->kind && !strcmp(in->kind, kinds[k]);
    const char *why = !known ? "which kind? arrivals, departures, churn, load or bad"
        : strcmp(in->mode, "step") && strcmp(in->mode, "poisson") && strcmp(in->mode, "trace")
            ? "--mode wants step, poisson or trace"
        : !strcmp(in->mode, "trace") && !in->trace ? "--mode trace wants --trace FILE"
        : strcmp(in->pattern, "const") && strcmp(in->pattern, "step") && strcmp(in->pattern, "sine")
            ? "--pattern wants const, step or sine"
        : strlen(in->prefix) > 40 || strchr(in->prefix, '/') ? "--prefix: at most 40 characters, no '/'"
        : NULL;
    char err[512];
    xgc_vm_spec_t probe = in->spec;
    snprintf(probe.name, sizeof probe.name, "%s-0001", in->prefix);
    if (!why && (!strcmp(in->kind, "arrivals") || !strcmp(in->kind, "churn")) && !in->random
        && xgc_vm_spec_validate(&probe, err, sizeof err) < 0)
        why = err;
    if (why)
        fprintf(stderr, "xgc inject: %s (nothing sent)\n", why);
    return why ? -1 : 0;
}

/* injectors: entry NAME → the same options ("key: value" → --key value). */
static int s_from_config(s_inj_t *in, const char *name, char **args, char *store, size_t size)
{
    const xgc_yaml_node_t *seq = in->cfg->injectors, *entry = NULL;
    for (size_t i = 0; seq && seq->kind == XGC_YAML_SEQ && i < seq->count; i++) {
        const xgc_yaml_node_t *n = xgc_yaml_get(seq->items[i], "name");
        if (n && n->value && !strcmp(n->value, name))
            entry = seq->items[i];
    }
    if (!entry || entry->kind != XGC_YAML_MAP) {
        fprintf(stderr, "xgc inject: no injector '%s' in %s\n", name, in->cfg->path);
        return -1;
    }
    int n = 0;
    size_t off = 0;
    for (size_t k = 0; k < entry->count && n < 60; k++) {
        const char *key = entry->keys[k], *v = entry->items[k]->value;
        if (!strcmp(key, "name"))
            continue;
        if (!strcmp(key, "kind")) {
            in->kind = v;
            continue;
        }
        int w = snprintf(store + off, size - off, "--%s", key);
        if (w < 0 || (size_t)w >= size - off)
            return -1;
        for (char *c = store + off; *c; c++)
            if (*c == '_')
                *c = '-';
        args[n++] = store + off;
        off += (size_t)w + 1;
        if (v && strcmp(key, "quiet"))
            args[n++] = (char *)v;
    }
    args[n] = NULL;
    return n;
}

static int s_run(s_inj_t *in)
{
    int rc = 0;
    in->bus = xgc_cli_connect(in->cfg, "inject");
    if (xgc_cli_fetch(in->bus, in->cfg, "inject", "vm/") < 0)
        return 1;
    if (!strcmp(in->kind, "arrivals") && in->start <= 0)
        in->start = (double)s_next_number(in);
    if (in->random) {
        xgc_pm_spec_t *pms = NULL;
        xgc_place_gen_t gen = xgc_place_gen_default((size_t)in->count, 1);
        if (xgc_place_generate(&gen, (unsigned long long)in->seed, &pms, &in->gen) < 0)
            return 1;
        free(pms);
    }
    in->t0 = xgc_log_mono_ms();
    in->deadline = in->t0 + (int64_t)(in->duration_s * 1000);
    if (!strcmp(in->kind, "arrivals"))
        rc = !strcmp(in->mode, "trace") ? s_trace(in) : s_arrivals(in);
    else if (!strcmp(in->kind, "departures") || !strcmp(in->kind, "churn"))
        rc = s_departures(in, !strcmp(in->kind, "churn"));
    else if (!strcmp(in->kind, "load"))
        rc = s_load(in);
    else
        rc = s_bad(in);
    if (xgc_bus_flush(in->bus, XGC_CLI_TIMEOUT_MS) < 0)
        rc = xgc_cli_unreachable(in->cfg, "inject");
    printf("inject %s: %ld sent, %ld refused in %.1f s\n", in->kind, in->sent, in->refused,
           (double)(xgc_log_mono_ms() - in->t0) / 1000);
    return rc;
}

XGC_COMMAND(inject, "load injection: VM arrivals, departures, churn, metrics, bad input")
{
    s_inj_t in = {.mode = "step", .prefix = "inj", .pattern = "const", .count = 10,
                  .duration_s = 600, .interval_ms = 1000, .batch = 1, .rate = 1, .cpu = 0.9,
                  .period_s = 20,
                  .spec = {.min_mhz = 500, .max_mhz = 1000, .shares = 256, .mem_mb = 256,
                           .utility_min = 1, .utility_max = NAN}};
    in.cfg = xgc_config_load_arg(&argc, argv, s_usage);
    char *cargs[64], store[2048];
    int rc = 2, i = 1;
    if (argc >= 3 && !strcmp(argv[1], "--injector")) {
        int n = s_from_config(&in, argv[2], cargs, store, sizeof store);
        for (int k = 0; n >= 0 && k < n; k++)
            if (s_option(&in, n, cargs, &k) < 0)
                n = -1;
        if (n < 0)
            goto done;
        i = 3;
    } else if (argc >= 2 && argv[1][0] != '-') {
        in.kind = argv[1];
        i = 2;
    }
    for (; i < argc; i++)
        if (s_option(&in, argc, argv, &i) < 0)
            goto done;
    if (isnan(in.spec.utility_max))   /* as the help says: utility-min */
        in.spec.utility_max = in.spec.utility_min;
    if (s_check(&in) < 0) {
        fprintf(stderr, "%s", s_usage);
        goto done;
    }
    signal(SIGPIPE, SIG_IGN);
    rc = s_run(&in);
done:
    xgc_bus_destroy(&in.bus);
    free(in.gen);
    xgc_config_destroy(&in.cfg);
    return rc;
}
