/* xgc tail — follow the bus: every event and state change, from the
 * broker's tap (a PUB that drops for a slow reader instead of waiting, so
 * that however slow this reader is, the broker never stalls). The tap
 * numbers its messages; a jump in that number is reported on stderr as a
 * gap. With --snapshot, the current state is printed first (from a state
 * snapshot), then changes after it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tools/bus_cli.h"
#include "tools/xgc_cmd.h"
#include "xgc_json.h"
#include "xgc_msg.h"

static const char s_usage[] =
    "usage: xgc tail [PREFIX...] [--json] [--snapshot] [-n N] [--exclude PREFIX]\n"
    "                [--where FIELD=VALUE] [-c FILE.yaml]\n"
    "Follow events (topics like metric.vm.web1) and state changes (keys like\n"
    "vm/web1/spec) whose name starts with one of the PREFIXes (default: all).\n"
    "  --json              one JSON object per line: ts, topic or key, seq, epoch,\n"
    "                      op (event|set|del), payload\n"
    "  --snapshot          print the current state under the prefixes first\n"
    "  -n N                stop after N lines\n"
    "  --exclude PREFIX    skip names starting with PREFIX (repeatable)\n"
    "  --where FIELD=VALUE only payloads whose FIELD equals VALUE (repeatable)\n"
    "Lost messages (a reader too slow for the tap) are reported on stderr.\n";

#define MAX_FILTERS 32

typedef struct {
    const char *prefixes[MAX_FILTERS], *excludes[MAX_FILTERS], *wheres[MAX_FILTERS];
    int n_prefixes, n_excludes, n_wheres;
    bool json, snapshot;
    long limit, printed;
    uint64_t snap_seq, snap_epoch;
} s_tail_t;

static bool s_starts(const char *name, const char *const *list, int n)
{
    for (int i = 0; i < n; i++)
        if (strncmp(name, list[i], strlen(list[i])) == 0)
            return true;
    return false;
}

/* --where FIELD=VALUE: a string field compares as text, others as JSON. */
static bool s_where_one(const msgpack_object *root, const char *where)
{
    const char *eq = strchr(where, '=');
    char field[128];
    snprintf(field, sizeof field, "%.*s", (int)(eq - where), where);
    const msgpack_object *value = xgc_msg_map_get(root, field);
    if (!value)
        return false;
    if (value->type == MSGPACK_OBJECT_STR)
        return strlen(eq + 1) == value->via.str.size
               && memcmp(eq + 1, value->via.str.ptr, value->via.str.size) == 0;
    json_t *json = xgc_json_from_object(value);
    char *text = json_dumps(json, JSON_ENCODE_ANY | JSON_COMPACT);
    bool match = text && strcmp(text, eq + 1) == 0;
    free(text);
    json_decref(json);
    return match;
}

static bool s_wanted(s_tail_t *self, const char *name, const void *data, size_t len)
{
    if ((self->n_prefixes && !s_starts(name, self->prefixes, self->n_prefixes))
        || s_starts(name, self->excludes, self->n_excludes))
        return false;
    if (!self->n_wheres)
        return true;
    char err[128];
    xgc_msg_t *msg = len ? xgc_msg_decode(data, len, err, sizeof err) : NULL;
    bool match = msg != NULL;
    for (int i = 0; match && i < self->n_wheres; i++)
        match = s_where_one(xgc_msg_root(msg), self->wheres[i]);
    xgc_msg_destroy(&msg);
    return match;
}

static void s_print(s_tail_t *self, int kind, const char *name, uint64_t ts,
                    uint64_t seq, uint64_t epoch, const void *data, size_t len)
{
    const char *op = kind == XGC_BUS_TAP_EVENT ? "event"
                   : kind == XGC_BUS_TAP_SET ? "set" : "del";
    char *payload = len ? xgc_cli_json(data, len) : strdup("null");
    if (self->json) {
        json_t *line = json_pack("{s:I, s:s, s:s}", "ts", (json_int_t)ts,
                                 kind == XGC_BUS_TAP_EVENT ? "topic" : "key", name, "op", op);
        if (kind != XGC_BUS_TAP_EVENT) {
            json_object_set_new(line, "seq", json_integer((json_int_t)seq));
            json_object_set_new(line, "epoch", json_integer((json_int_t)epoch));
        }
        json_object_set_new(line, "payload", json_loads(payload, JSON_DECODE_ANY, NULL));
        char *text = json_dumps(line, JSON_COMPACT);
        printf("%s\n", text);
        free(text);
        json_decref(line);
    }
    else {
        time_t secs = (time_t)(ts / 1000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        char when[16];
        strftime(when, sizeof when, "%H:%M:%S", &tm);
        if (kind == XGC_BUS_TAP_EVENT)
            printf("%s.%03d %-5s %s %s\n", when, (int)(ts % 1000), op, name, payload);
        else
        if (kind == XGC_BUS_TAP_SET)
            printf("%s.%03d %-5s %s #%" PRIu64 " %s\n", when, (int)(ts % 1000), op, name,
                   seq, payload);
        else
            printf("%s.%03d %-5s %s #%" PRIu64 "\n", when, (int)(ts % 1000), op, name, seq);
    }
    free(payload);
    self->printed++;
}

static bool s_done(s_tail_t *self)
{
    return self->limit && self->printed >= self->limit;
}

static void s_on_synced(void *arg, uint64_t epoch, uint64_t seq)
{
    s_tail_t *self = arg;
    self->snap_epoch = epoch;
    self->snap_seq = seq;
}

static void s_snapshot_entry(void *arg, const char *key, const uint8_t *value,
                             size_t len, uint64_t seq)
{
    s_tail_t *self = arg;
    if (!s_done(self) && s_wanted(self, key, value, len))
        s_print(self, XGC_BUS_TAP_SET, key, (uint64_t)zclock_time(), seq,
                self->snap_epoch, value, len);
}

static int s_snapshot(s_tail_t *self, const xgc_config_t *cfg)
{
    xgc_bus_t *bus = xgc_cli_connect(cfg, "tail");
    xgc_bus_set_handlers(bus, &(xgc_bus_handlers_t){.synced = s_on_synced}, self);
    for (int i = 0; i < self->n_prefixes; i++)
        xgc_bus_watch(bus, self->prefixes[i]);
    if (!self->n_prefixes)
        xgc_bus_watch(bus, "");
    int rc = xgc_bus_wait_synced(bus, XGC_CLI_TIMEOUT_MS);
    if (rc == 0)
        xgc_bus_foreach(bus, "", s_snapshot_entry, self);
    else
        xgc_cli_unreachable(cfg, "tail --snapshot");
    xgc_bus_destroy(&bus);
    return rc;
}

/* One tap message [name][meta][payload]. */
static void s_on_tap(s_tail_t *self, zmsg_t *msg, uint64_t *last_tap)
{
    zframe_t *name_f = zmsg_first(msg), *meta_f = zmsg_next(msg), *data = zmsg_next(msg);
    if (zmsg_size(msg) != 3 || zframe_size(meta_f) != XGC_BUS_TAP_META)
        return;
    const uint8_t *meta = zframe_data(meta_f);
    uint64_t tap = xgc_bus_get_u64(meta + 1), seq = xgc_bus_get_u64(meta + 9);
    uint64_t epoch = xgc_bus_get_u64(meta + 17), ts = xgc_bus_get_u64(meta + 25);
    if (*last_tap && tap > *last_tap + 1)
        fprintf(stderr, "xgc tail: gap: %" PRIu64 " messages lost (reader too slow)\n",
                tap - *last_tap - 1);
    else
    if (*last_tap && tap <= *last_tap)
        fprintf(stderr, "xgc tail: the broker restarted\n");
    *last_tap = tap;
    if (meta[0] != XGC_BUS_TAP_EVENT && epoch == self->snap_epoch && seq <= self->snap_seq)
        return;                                 /* already in the snapshot */
    char *name = zframe_strdup(name_f);
    if (s_wanted(self, name, zframe_data(data), zframe_size(data)))
        s_print(self, meta[0], name, ts, seq, epoch, zframe_data(data), zframe_size(data));
    free(name);
}

static int s_parse(s_tail_t *self, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        char *end;
        if (!strcmp(arg, "--json"))
            self->json = true;
        else
        if (!strcmp(arg, "--snapshot"))
            self->snapshot = true;
        else
        if (!strcmp(arg, "-n") && next) {
            self->limit = strtol(next, &end, 10);
            if (*end || self->limit <= 0)
                return fprintf(stderr, "xgc tail: -n wants a positive number\n"), -1;
            i++;
        }
        else
        if (!strcmp(arg, "--exclude") && next && self->n_excludes < MAX_FILTERS)
            self->excludes[self->n_excludes++] = argv[++i];
        else
        if (!strcmp(arg, "--where") && next && strchr(next, '=') && strchr(next, '=') != next
            && strchr(next, '=') - next < 128 && self->n_wheres < MAX_FILTERS)
            self->wheres[self->n_wheres++] = argv[++i];
        else
        if (arg[0] != '-' && self->n_prefixes < MAX_FILTERS && strlen(arg) <= XGC_BUS_MAX_KEY)
            self->prefixes[self->n_prefixes++] = arg;
        else
            return fprintf(stderr, "xgc tail: bad argument '%s'\n", arg), -1;
    }
    return 0;
}

XGC_COMMAND(tail, "follow events and state changes (tail [PREFIX...] [--json])")
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    s_tail_t self = {0};
    if (s_parse(&self, argc, argv) < 0) {
        fputs(s_usage, stderr);
        xgc_config_destroy(&cfg);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    char endpoint[XGC_PATH_MAX + 16];
    xgc_config_endpoint(cfg, XGC_PORT_TAP, endpoint, sizeof endpoint);
    zsock_t *tap = zsock_new(ZMQ_SUB);
    zsock_set_maxmsgsize(tap, cfg->max_msg_bytes);
    zsock_set_subscribe(tap, "");
    xgc_security_watch_t *watch = xgc_cli_secure(cfg, "tail", tap);     /* security */
    zsock_connect(tap, "%s", endpoint);
    int rc = watch ? 0 : 1;
    if (rc == 0 && self.snapshot)
        rc = s_snapshot(&self, cfg);
    uint64_t last_tap = 0;
    while (rc == 0 && !s_done(&self) && !zsys_interrupted) {
        zmsg_t *msg = zmsg_recv(tap);
        if (!msg && !zsys_interrupted) {        /* a receive timeout (security) */
            if (xgc_cli_handshake_failed(watch, "tail"))
                rc = 1;
            continue;
        }
        if (!msg)
            break;
        s_on_tap(&self, msg, &last_tap);
        zmsg_destroy(&msg);
    }
    xgc_security_watch_destroy(&watch);
    zsock_destroy(&tap);
    xgc_config_destroy(&cfg);
    return rc == 0 ? 0 : 1;
}
