/* xgc-scheduler — the daemon that keeps the plan right.
 *
 * A thin loop around the pure planner (planner.h): it keeps a typed view of
 * the blackboard current from the bus's change notifications, feeds VM
 * metrics to the demand estimator, and after a short debounce runs a round
 * and writes only the differences (plan entries, power states), announcing
 * each as a cmd.<host>.<verb> event and the round as plan.round.
 *
 * Only the holder of the `sched/leader` lease plans; any other instance is
 * a standby with the same view, that takes the lease when it expires
 * (SIGKILLed leader: after lease_ms) and plans after a short settle time,
 * so that two schedulers never both write. Lost PMs are fenced by the
 * configured command, or through their pmd's lease (view.h). A tiny HTTP
 * responder serves the cluster's metrics in Prometheus text format. */
#include <czmq.h>
#include <sys/wait.h>

#include "xgc_bus.h"
#include "xgc_config.h"
#include "xgc_log.h"
#include "xgc_msg.h"
#include "scheduler/planner.h"
#include "scheduler/sched_metrics.h"

static const char *s_usage =
    "usage: xgc-scheduler [-c FILE.yaml] [--id NAME] [--metrics HOST:PORT]\n"
    "Re-plans the cluster (the deployment's scheduler: section) on every change;\n"
    "one instance leads (sched/leader lease), others stand by.\n"
    "  --id NAME               this instance's name in the lease (default host:pid)\n"
    "  --metrics HOST:PORT     serve metrics there (default: metrics.listen; \"\" = off)\n";

/* Why a round runs (counted between rounds, printed as its reason). */
enum { R_ARRIVAL, R_DEPARTURE, R_RESIZE, R_PM_JOIN, R_PM_LOST, R_DRAIN, R_FENCED,
       R_DEMAND, R_OPTIMISE, R_PENDING, R_LEADER, R_REASONS };
static const char *s_reason_names[R_REASONS] = {
    "arrival", "departure", "resize", "pm-join", "pm-lost", "drain", "fenced",
    "demand", "optimise", "pending", "leader"};

#define S_MAX_CHILDREN 64

typedef struct {
    pid_t pid;
    char host[XGC_NAME_MAX];
    bool fence;
} s_child_t;

typedef struct {
    xgc_config_t *cfg;
    xgc_sched_config_t sc;
    xgc_bus_t *bus;
    zloop_t *loop;
    xgc_view_t *view;
    zhashx_t *demand;            /* vm → xgc_demand_t* */
    char owner[XGC_NAME_MAX];
    bool leader;
    int64_t plan_after_ms;       /* leader: settle time before the first round */
    int reasons[R_REASONS];
    bool optimise;               /* the next round may consolidate */
    bool pending;                /* the last round left budgeted work */
    bool failed_pms;             /* the last round saw lost, unfenced PMs */
    int round_timer;             /* zloop timer id, -1 = none */
    int64_t last_round_ms;       /* when the last round ended (debounce from there) */
    int64_t round_no;
    xgc_sched_metrics_t metrics;
    s_child_t children[S_MAX_CHILDREN];
    xgc_ratelimit_t rl_bad;
} s_sched_t;

static int64_t s_now(void)
{
    return xgc_log_now_ms();
}

/* --- child processes: fence and power commands ------------------------- */

static void s_spawn(s_sched_t *s, const char *cmd, const char *host, bool fence)
{
    for (int i = 0; i < S_MAX_CHILDREN; i++) {
        if (s->children[i].pid)
            continue;
        pid_t pid = fork();
        if (pid == 0) {
            execl("/bin/sh", "sh", "-c", cmd, "xgc-command", host, (char *)NULL);
            _exit(127);
        }
        if (pid < 0) {
            xgc_log_error("cannot run command host=%s: %s", host, strerror(errno));
            return;
        }
        s->children[i] = (s_child_t){.pid = pid, .fence = fence};
        snprintf(s->children[i].host, sizeof s->children[i].host, "%s", host);
        xgc_log_info("%s command started host=%s pid=%d", fence ? "fence" : "power", host,
                     (int)pid);
        return;
    }
    xgc_log_warn("too many commands under way; not run host=%s", host);
}

static bool s_fencing(const s_sched_t *s, const char *host)
{
    for (int i = 0; i < S_MAX_CHILDREN; i++)
        if (s->children[i].pid && s->children[i].fence && !strcmp(s->children[i].host, host))
            return true;
    return false;
}

static void s_schedule(s_sched_t *s, int64_t delay_ms);

static void s_reap(s_sched_t *s)
{
    for (int i = 0; i < S_MAX_CHILDREN; i++) {
        int status;
        s_child_t *c = &s->children[i];
        if (!c->pid || waitpid(c->pid, &status, WNOHANG) != c->pid)
            continue;
        bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        xgc_log_info("%s command ended host=%s ok=%d", c->fence ? "fence" : "power", c->host,
                     ok);
        if (c->fence && ok) {
            xgc_view_set_fenced(s->view, c->host, true);
            s->reasons[R_FENCED]++;
            s_schedule(s, s->sc.debounce_ms);
        }
        c->pid = 0;
    }
}

/* --- a round ---------------------------------------------------------------- */

static void s_reason_text(const s_sched_t *s, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = 0;
    for (int r = 0; r < R_REASONS && off < size; r++)
        if (s->reasons[r])
            off += (size_t)snprintf(buf + off, size - off, "%s%s×%d", off ? ", " : "",
                                    s_reason_names[r], s->reasons[r]);
    if (!buf[0])
        snprintf(buf, size, "check");
}

/* Publish cmd.<host>.<verb> for an operation. */
static void s_publish_cmd(s_sched_t *s, const xgc_plandiff_op_t *op)
{
    xgc_cmd_t cmd;
    memset(&cmd, 0, sizeof cmd);
    char topic[XGC_BUS_MAX_KEY + 1];
    const xgc_plan_entry_t *e = &op->entry;
    void *data;
    size_t len;
    if (op->kind == XGC_PLANDIFF_POWER) {
        snprintf(cmd.host, sizeof cmd.host, "%s", op->power.host);
        snprintf(cmd.reason, sizeof cmd.reason, "%s", op->power.reason);
    } else {
        snprintf(cmd.vm, sizeof cmd.vm, "%s", e->vm);
        snprintf(cmd.host, sizeof cmd.host, "%s", e->host);
        snprintf(cmd.from, sizeof cmd.from, "%s", e->from);
        snprintf(cmd.reason, sizeof cmd.reason, "%s", e->reason);
    }
    snprintf(topic, sizeof topic, XGC_TOPIC_CMD, op->cmd_host, xgc_plandiff_cmd_name(op->cmd));
    if (xgc_msg_cmd_encode(&cmd, &data, &len) == 0) {
        xgc_bus_publish(s->bus, topic, data, len);
        free(data);
        s->metrics.cmds_total++;
    }
}

/* Write one operation (and apply it to our view at once, so that the next
 * round sees it even before the broker echoes it). */
static void s_execute(s_sched_t *s, const xgc_plandiff_op_t *op, int64_t now)
{
    char key[XGC_BUS_MAX_KEY + 1], err[256];
    void *data;
    size_t len;
    if (xgc_planner_op_key(op, key, sizeof key) < 0 || xgc_planner_op_value(op, &data, &len) < 0)
        return;
    int rc = op->kind == XGC_PLANDIFF_DELETE ? xgc_bus_del(s->bus, key)
                                             : xgc_bus_set(s->bus, key, data, len, 0);
    if (rc == 0)
        xgc_view_apply(s->view, key, data, len, now, err, sizeof err);
    else
        xgc_log_error("write refused key=%s", key);
    free(data);
    s->metrics.writes_total++;
    if (op->cmd == XGC_CMD_POWER_ON) {
        xgc_view_note_switched_on(s->view, op->power.host, now);
        if (s->sc.power_on_command[0])
            s_spawn(s, s->sc.power_on_command, op->power.host, false);
    } else if (op->cmd == XGC_CMD_POWER_OFF && s->sc.power_off_command[0]) {
        s_spawn(s, s->sc.power_off_command, op->power.host, false);
    }
    if (op->cmd != XGC_CMD_NONE)
        s_publish_cmd(s, op);
}

static void s_publish_round(s_sched_t *s, const xgc_planner_round_t *r, const char *reason,
                            double ms)
{
    xgc_plan_round_t ev = {.round = s->round_no, .utility = r->result.utility,
                           .power_cost = r->result.power_cost, .net = r->result.net,
                           .pms_on = r->result.pms_on, .migrations = r->result.migrations,
                           .time_ms = ms};
    void *data;
    size_t len;
    snprintf(ev.reason, sizeof ev.reason, "%s", reason);
    if (xgc_msg_plan_round_encode(&ev, &data, &len) == 0) {
        xgc_bus_publish(s->bus, XGC_TOPIC_PLAN_ROUND, data, len);
        free(data);
    }
}

/* Lost PMs with a fence command: run it once per loss. */
static void s_fence_lost(s_sched_t *s, const xgc_planner_round_t *r)
{
    const char *lost[64];
    size_t n = xgc_view_lost(&r->input, lost, 64);
    s->failed_pms = n > 0;
    for (size_t i = 0; i < n && s->sc.fence_command[0]; i++)
        if (!s_fencing(s, lost[i]))
            s_spawn(s, s->sc.fence_command, lost[i], true);
}

/* sched/stats: the totals of the last round, for `xgc status` and `make
 * run` (a state key: readable at any time, unlike the plan.round event). */
static void s_write_stats(s_sched_t *s)
{
    const xgc_sched_metrics_t *m = &s->metrics;
    xgc_msg_enc_t enc;
    void *data;
    size_t len;
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_map_begin(&enc);
    xgc_msg_enc_kv_int(&enc, "v", XGC_MSG_VERSION);
    xgc_msg_enc_kv_int(&enc, "round", s->round_no);
    xgc_msg_enc_kv_str(&enc, "owner", s->owner);
    xgc_msg_enc_kv_double(&enc, "utility", m->utility);
    xgc_msg_enc_kv_double(&enc, "power_cost", m->power_cost);
    xgc_msg_enc_kv_double(&enc, "net", m->net);
    xgc_msg_enc_kv_double(&enc, "power_w", xgc_sched_metrics_power_w(m));
    xgc_msg_enc_kv_int(&enc, "pms_on", m->pms_on);
    xgc_msg_enc_kv_int(&enc, "pms", m->pms);
    xgc_msg_enc_kv_int(&enc, "vms", m->vms);
    xgc_msg_enc_kv_int(&enc, "unplaced", m->vms_unplaced);
    xgc_msg_enc_kv_int(&enc, "migrations", (int64_t)m->migrations_total);
    xgc_msg_enc_kv_double(&enc, "time_ms", m->plan_time_ms_last);
    xgc_msg_enc_map_end(&enc);
    if (xgc_msg_enc_finish(&enc, &data, &len) < 0)
        return;
    size_t old_len;
    const uint8_t *old = xgc_bus_get(s->bus, XGC_SCHED_STATS_KEY, &old_len, NULL);
    if (!old || old_len != len || memcmp(old, data, len))
        xgc_bus_set(s->bus, XGC_SCHED_STATS_KEY, data, len, 0);
    free(data);
}

static void s_update_metrics(s_sched_t *s, const xgc_planner_round_t *r, double ms)
{
    xgc_sched_metrics_t *m = &s->metrics;
    m->utility = r->result.utility;
    m->power_cost = r->result.power_cost;
    m->net = r->result.net;
    m->pms_on = r->result.pms_on;
    m->pms = (int64_t)r->input.n_pms;
    m->vms = (int64_t)r->input.n_vms;
    m->vms_unplaced = r->result.unplaced;
    m->migrations_total += (uint64_t)r->result.migrations;
    m->rounds_total++;
    m->plan_time_ms_last = ms;
    m->plan_time_ms_sum += ms;
}

static void s_round(s_sched_t *s)
{
    int64_t now = s_now();
    if (!s->leader || !xgc_bus_synced(s->bus))
        return;
    if (now < s->plan_after_ms) {
        s_schedule(s, s->plan_after_ms - now);
        return;
    }
    char reason[256], err[256];
    xgc_planner_round_t r;
    s_reason_text(s, reason, sizeof reason);
    int64_t t0 = zclock_usecs();
    s->round_no++;
    if (xgc_planner_run(s->view, &s->sc, now, s->round_no, s->optimise, &r, err,
                        sizeof err) < 0) {
        xgc_log_error("round failed round=%" PRId64 " reason=%s", s->round_no, err);
        return;
    }
    for (size_t i = 0; i < r.n_ops; i++)
        s_execute(s, &r.ops[i], now);
    double ms = (double)(zclock_usecs() - t0) / 1000.0;
    s_publish_round(s, &r, reason, ms);
    s_update_metrics(s, &r, ms);
    s_write_stats(s);
    s_fence_lost(s, &r);
    xgc_log_info("round=%" PRId64 " reason=\"%s\" writes=%zu vms=%zu placed=%d unplaced=%d "
                 "migrations=%d pms_on=%d net=%.1f ms=%.2f%s",
                 s->round_no, reason, r.n_ops, r.input.n_vms, r.result.placed,
                 r.result.unplaced, r.result.migrations, r.result.pms_on, r.result.net, ms,
                 r.result.pending ? " pending" : "");
    memset(s->reasons, 0, sizeof s->reasons);
    s->optimise = false;
    s->pending = r.result.pending;
    if (s->pending) {
        s->reasons[R_PENDING]++;
        s_schedule(s, s->sc.retry_ms);
    }
    xgc_planner_round_free(&r);
    s->last_round_ms = s_now();
}

static int s_on_round_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_sched_t *s = arg;
    s->round_timer = -1;
    s_round(s);
    return 0;
}

/* A round within delay_ms (an earlier one already scheduled stands). */
static void s_schedule(s_sched_t *s, int64_t delay_ms)
{
    if (s->round_timer >= 0 || !s->leader)
        return;
    s->round_timer = zloop_timer(s->loop, (size_t)(delay_ms > 0 ? delay_ms : 1), 1,
                                 s_on_round_timer, s);
}

/* A change wants a round: at once when the scheduler is idle (a lone arrival
 * waits for no timer), else debounce_ms after the previous round ended, so a
 * burst of changes is coalesced into one round per debounce_ms. */
static void s_want(s_sched_t *s, int reason, bool optimise)
{
    s->reasons[reason]++;
    s->optimise |= optimise;
    s_schedule(s, s->last_round_ms + s->sc.debounce_ms - s_now());
}

/* --- leadership ---------------------------------------------------------------- */

static void s_write_lease(s_sched_t *s)
{
    xgc_lease_t lease = {.until_ms = s_now() + s->sc.lease_ms};
    void *data;
    size_t len;
    snprintf(lease.owner, sizeof lease.owner, "%s", s->owner);
    if (xgc_msg_lease_encode(&lease, &data, &len) == 0) {
        xgc_bus_set(s->bus, XGC_KEY_SCHED_LEADER, data, len, (uint64_t)s->sc.lease_ms);
        free(data);
    }
}

/* The lease key changed (or we just synced): follow who holds it. */
static void s_leader_change(s_sched_t *s, const uint8_t *value, size_t len)
{
    xgc_lease_t lease;
    char err[128];
    if (!value || xgc_msg_lease_decode(value, len, &lease, err, sizeof err) < 0) {
        s_write_lease(s);        /* free (or garbage): take it */
        return;
    }
    bool mine = !strcmp(lease.owner, s->owner);
    if (mine && !s->leader) {
        s->leader = true;
        /* Settle: a rival's simultaneous claim reaches us before we write. */
        s->plan_after_ms = s_now() + 2 * s->sc.debounce_ms + 300;
        xgc_log_info("leader now owner=%s", s->owner);
        s_want(s, R_LEADER, true);
    } else if (!mine && s->leader) {
        s->leader = false;
        xgc_log_warn("no longer leader owner=%s holder=%s", s->owner, lease.owner);
    }
}

static int s_on_lease_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_sched_t *s = arg;
    if (s->leader)
        s_write_lease(s);
    return 0;
}

/* --- the bus's callbacks --------------------------------------------------------- */

static const int s_change_reason[XGC_VIEW_CHANGES] = {
    [XGC_VIEW_ARRIVAL] = R_ARRIVAL, [XGC_VIEW_DEPARTURE] = R_DEPARTURE,
    [XGC_VIEW_RESIZE] = R_RESIZE, [XGC_VIEW_PM_JOIN] = R_PM_JOIN,
    [XGC_VIEW_PM_LOST] = R_PM_LOST, [XGC_VIEW_DRAIN] = R_DRAIN};

static void s_on_change(void *arg, const char *key, const uint8_t *value, size_t len,
                        uint64_t seq)
{
    (void)seq;
    s_sched_t *s = arg;
    char err[256];
    if (!strcmp(key, XGC_KEY_SCHED_LEADER)) {
        s_leader_change(s, value, len);
        return;
    }
    xgc_view_change_t c = xgc_view_apply(s->view, key, value, len, s_now(), err, sizeof err);
    switch (c) {
    case XGC_VIEW_INVALID:
        s->metrics.invalid_values_total++;
        xgc_log_limited_write(&s->rl_bad, XGC_LOG_WARN, "ignored value key=%s reason=\"%s\"",
                              key, err);
        break;
    case XGC_VIEW_ARRIVAL: case XGC_VIEW_DEPARTURE: case XGC_VIEW_RESIZE:
        s_want(s, s_change_reason[c], false);
        break;
    case XGC_VIEW_PM_JOIN: case XGC_VIEW_PM_LOST: case XGC_VIEW_DRAIN:
        s_want(s, s_change_reason[c], c != XGC_VIEW_PM_LOST);
        break;
    case XGC_VIEW_ACTUAL:
        if (s->pending)          /* an operation ended: budget freed */
            s_want(s, R_PENDING, false);
        break;
    default:
        break;
    }
}

static void s_on_synced(void *arg, uint64_t epoch, uint64_t seq)
{
    s_sched_t *s = arg;
    size_t len;
    const uint8_t *lease = xgc_bus_get(s->bus, XGC_KEY_SCHED_LEADER, &len, NULL);
    xgc_log_info("synced epoch=%" PRIu64 " seq=%" PRIu64 " vms=%zu pms=%zu", epoch, seq,
                 xgc_view_vm_count(s->view), xgc_view_pm_count(s->view));
    s_leader_change(s, lease, lease ? len : 0);
    s_want(s, R_LEADER, true);
}

static void s_on_write_failed(void *arg, const char *key, const char *reason)
{
    (void)arg;
    xgc_log_error("write failed key=%s reason=\"%s\"", key, reason);
}

/* metric.vm.<name>: feed the VM's demand estimator; re-plan when its
 * estimate moved by more than the threshold. metric.pm.<host>: power. */
static void s_on_event(void *arg, const char *topic, const uint8_t *data, size_t len)
{
    s_sched_t *s = arg;
    char err[256];
    if (!strncmp(topic, "metric.pm.", 10)) {
        xgc_metric_pm_t m;
        if (xgc_msg_metric_pm_decode(data, len, &m, err, sizeof err) < 0) {
            s->metrics.dropped_frames_total++;
            return;
        }
        xgc_sched_metrics_set_power(&s->metrics, m.host, m.power_w);
        return;
    }
    xgc_metric_vm_t m;
    if (xgc_msg_metric_vm_decode(data, len, &m, err, sizeof err) < 0) {
        s->metrics.dropped_frames_total++;
        xgc_log_limited_write(&s->rl_bad, XGC_LOG_WARN, "dropped metric topic=%s reason=\"%s\"",
                              topic, err);
        return;
    }
    if (!s->sc.demand_enabled)
        return;
    xgc_demand_t *d = xgc_view_estimator(s->demand, m.vm, &s->sc.demand);
    if (!d)
        return;
    const xgc_vm_spec_t *spec = xgc_view_spec(s->view, m.vm);
    if (!spec)
        return;
    double before = xgc_demand_estimate(d, 0);
    xgc_demand_observe(d, m.cpu_mhz);
    double after = xgc_demand_estimate(d, 0);
    xgc_view_set_observed(s->view, m.vm, d);
    /* Demand rounds consolidate: at most one per retry_ms. */
    if (fabs(after - before) > s->sc.demand_threshold * spec->max_mhz) {
        s->reasons[R_DEMAND]++;
        s->optimise = true;
        s_schedule(s, s->sc.retry_ms);
    }
}

/* --- timers and the HTTP responder ---------------------------------------------- */

static int s_on_housekeeping(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_sched_t *s = arg;
    s_reap(s);
    if (s->failed_pms)           /* a lost PM's lease may have run out */
        s_want(s, R_PM_LOST, false);
    s->metrics.leader = s->leader;
    s->metrics.pending_writes = (int64_t)xgc_bus_pending(s->bus);
    if (s->leader && s->metrics.rounds_total)
        s_write_stats(s);        /* power reports change between rounds */
    return 0;
}

static int s_on_optimise(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_want(arg, R_OPTIMISE, true);
    return 0;
}

static int s_on_http(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    (void)loop;
    s_sched_t *s = arg;
    s->metrics.vms = (int64_t)xgc_view_vm_count(s->view);
    xgc_sched_metrics_serve(&s->metrics, s->cfg->cluster, item->fd);
    return 0;
}

static int s_setup(s_sched_t *s)
{
    xgc_bus_handlers_t h = {.event = s_on_event, .change = s_on_change,
                            .synced = s_on_synced, .write_failed = s_on_write_failed};
    s->view = xgc_view_new();
    s->demand = xgc_view_estimators_new();
    s->loop = zloop_new();
    s->bus = xgc_bus_new(s->cfg, "scheduler");
    if (!s->view || !s->demand || !s->loop || !s->bus)
        return -1;
    xgc_bus_set_handlers(s->bus, &h, s);
    if (xgc_bus_watch(s->bus, "vm/") || xgc_bus_watch(s->bus, "pm/")
        || xgc_bus_watch(s->bus, "plan/") || xgc_bus_watch(s->bus, "sched/")
        || xgc_bus_subscribe(s->bus, "metric.vm.") || xgc_bus_subscribe(s->bus, "metric.pm.")
        || xgc_bus_attach(s->bus, s->loop) < 0)
        return -1;
    zloop_timer(s->loop, (size_t)(s->sc.lease_ms / 3), 0, s_on_lease_timer, s);
    zloop_timer(s->loop, 500, 0, s_on_housekeeping, s);
    if (s->sc.optimise_interval_ms > 0)
        zloop_timer(s->loop, (size_t)s->sc.optimise_interval_ms, 0, s_on_optimise, s);
    if (s->sc.metrics_listen[0]) {
        char err[256];
        int fd = xgc_sched_metrics_listen(s->sc.metrics_listen, err, sizeof err);
        if (fd < 0) {
            xgc_log_error("metrics: %s", err);
            return -1;
        }
        zmq_pollitem_t item = {NULL, fd, ZMQ_POLLIN, 0};
        zloop_poller(s->loop, &item, s_on_http, s);
        xgc_log_info("metrics listen=%s", s->sc.metrics_listen);
    }
    return 0;
}

static void s_teardown(s_sched_t *s)
{
    if (s->bus && s->leader) {   /* hand over at once */
        xgc_bus_del(s->bus, XGC_KEY_SCHED_LEADER);
        xgc_bus_flush(s->bus, 1000);
    }
    if (s->bus && s->loop)
        xgc_bus_detach(s->bus, s->loop);
    xgc_bus_destroy(&s->bus);
    zloop_destroy(&s->loop);
    zhashx_destroy(&s->demand);
    xgc_view_destroy(&s->view);
    xgc_sched_metrics_clear(&s->metrics);
}

int main(int argc, char **argv)
{
    static s_sched_t s = {.round_timer = -1};
    const char *metrics = NULL;
    char err[512];
    s.cfg = xgc_config_load_arg(&argc, argv, s_usage);
    char *host = zsys_hostname();    /* a fresh string: ours to free */
    snprintf(s.owner, sizeof s.owner, "%s:%d", host ? host : "?", (int)getpid());
    zstr_free(&host);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--id") && i + 1 < argc) {
            snprintf(s.owner, sizeof s.owner, "%s", argv[++i]);
            continue;
        }
        if (!strcmp(argv[i], "--metrics") && i + 1 < argc) {
            metrics = argv[++i];
            continue;
        }
        fprintf(stderr, "xgc-scheduler: bad argument '%s'\n%s", argv[i], s_usage);
        return 2;
    }
    if (xgc_sched_config_load(&s.sc, s.cfg->scheduler, s.cfg->metrics, err, sizeof err) < 0) {
        fprintf(stderr, "xgc-scheduler: %s\n", err);
        return 2;
    }
    if (metrics)
        snprintf(s.sc.metrics_listen, sizeof s.sc.metrics_listen, "%s", metrics);
    xgc_log_init("scheduler", NULL);
    if (s.cfg->log_level[0])
        xgc_log_set_level_name(s.cfg->log_level);
    xgc_ratelimit_init(&s.rl_bad, 10, 10000);
    int rc = 1;
    if (s_setup(&s) == 0) {
        xgc_log_info("scheduler started owner=%s algorithm=%s endpoint=%s", s.owner,
                     xgc_place_algorithm_name(s.sc.replan.algo), s.cfg->broker_endpoint);
        zloop_start(s.loop);
        xgc_log_info("scheduler stopping owner=%s leader=%d", s.owner, s.leader);
        rc = 0;
    } else {
        xgc_log_error("scheduler could not start (bus, memory or metrics listener)");
    }
    s_teardown(&s);
    xgc_config_destroy(&s.cfg);
    return rc;
}
