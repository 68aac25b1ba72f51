/* Unit tests of common/xgc_msg: round trip of every value and event, the
 * encoder's own checks, and the decoders' refusals (missing field, wrong
 * type, long string, bad enum, schema version). */
#include <stdlib.h>

#include "xgc_json.h"
#include "xgc_msg.h"
#include "xgc_test.h"

/* Encode with `enc`, decode with `dec` into a second struct, compare bytes
 * (the structs are zeroed first, so padding compares equal). */
#define ROUND_TRIP(name, type, value)                                             \
    do {                                                                          \
        void *data_;                                                              \
        size_t size_;                                                             \
        type back_;                                                               \
        char err_[XGC_ERR_MAX] = "";                                              \
        CHECK(xgc_msg_##name##_encode(&(value), &data_, &size_) == 0);            \
        int rc_ = xgc_msg_##name##_decode(data_, size_, &back_, err_, sizeof err_); \
        free(data_);                                                              \
        if (rc_ != 0)                                                             \
            fprintf(stderr, "decode: %s\n", err_);                                \
        CHECK(rc_ == 0);                                                          \
        CHECK(memcmp(&back_, &(value), sizeof back_) == 0);                       \
    } while (0)

XGC_TEST(round_trip_specs)
{
    xgc_vm_spec_t vm;
    memset(&vm, 0, sizeof vm);
    strcpy(vm.name, "web-1");
    vm.min_mhz = 500, vm.max_mhz = 2000.5, vm.shares = 512, vm.mem_mb = 1024;
    vm.utility_min = 1.5, vm.utility_max = 7.25;
    strcpy(vm.image, "/etc/xen/web.cfg");
    ROUND_TRIP(vm_spec, xgc_vm_spec_t, vm);

    xgc_pm_spec_t pm;
    memset(&pm, 0, sizeof pm);
    strcpy(pm.name, "pm3");
    pm.cpu_mhz = 8 * 2400, pm.mem_mb = 32768, pm.cores = 8, pm.power_cost = 3;
    pm.power.idle_w = 90, pm.power.peak_w = 250;
    strcpy(pm.driver, "xl");
    strcpy(pm.address, "10.0.0.3");
    ROUND_TRIP(pm_spec, xgc_pm_spec_t, pm);
    pm.power.table_n = XGC_POWER_POINTS;
    for (int i = 0; i < XGC_POWER_POINTS; i++)
        pm.power.table_w[i] = 90 + 16 * i;
    ROUND_TRIP(pm_spec, xgc_pm_spec_t, pm);
}

XGC_TEST(round_trip_state_values)
{
    xgc_heartbeat_t hb;
    memset(&hb, 0, sizeof hb);
    strcpy(hb.host, "pm1");
    hb.ts_ms = 1764165123456, hb.pid = 4242, hb.lease_ms = 3000;
    ROUND_TRIP(heartbeat, xgc_heartbeat_t, hb);

    xgc_vm_actual_t act;
    memset(&act, 0, sizeof act);
    strcpy(act.vm, "web-1"), strcpy(act.host, "pm1");
    for (int s = XGC_VM_CREATING; s <= XGC_VM_FAILED; s++) {
        act.state = (xgc_vm_state_t)s;
        act.cap_mhz = 1200, act.weight = 256, act.alloc_mhz = 900.5, act.since_ms = -5;
        strcpy(act.reason, s == XGC_VM_FAILED ? "xl create: out of memory" : "");
        ROUND_TRIP(vm_actual, xgc_vm_actual_t, act);
    }

    xgc_plan_entry_t plan;
    memset(&plan, 0, sizeof plan);
    strcpy(plan.vm, "db"), strcpy(plan.host, "pm2"), strcpy(plan.from, "pm1");
    plan.state = XGC_PLAN_STOP, plan.cap_mhz = 0, plan.weight = 128, plan.round = 77;
    strcpy(plan.reason, "PEMM: consolidate");
    strcpy(plan.left, "pm7");
    ROUND_TRIP(plan_entry, xgc_plan_entry_t, plan);

    xgc_power_state_t power;
    memset(&power, 0, sizeof power);
    strcpy(power.host, "pm9"), power.state = XGC_POWER_OFF, strcpy(power.reason, "idle");
    ROUND_TRIP(power_state, xgc_power_state_t, power);

    xgc_pm_admin_t admin;
    memset(&admin, 0, sizeof admin);
    strcpy(admin.host, "pm9"), admin.drain = true;
    ROUND_TRIP(pm_admin, xgc_pm_admin_t, admin);

    xgc_lease_t lease;
    memset(&lease, 0, sizeof lease);
    strcpy(lease.owner, "node1:77"), lease.until_ms = 1764165129999;
    ROUND_TRIP(lease, xgc_lease_t, lease);
}

XGC_TEST(round_trip_events)
{
    xgc_metric_vm_t mv;
    memset(&mv, 0, sizeof mv);
    strcpy(mv.vm, "web-1"), strcpy(mv.host, "pm1");
    mv.ts_ms = 1, mv.cpu_mhz = 812.5, mv.cpu_pct = 33.9, mv.resp_ms = 12.25, mv.alive = true;
    mv.uptime_s = 3600.5;
    ROUND_TRIP(metric_vm, xgc_metric_vm_t, mv);

    xgc_metric_pm_t mp;
    memset(&mp, 0, sizeof mp);
    strcpy(mp.host, "pm1");
    mp.ts_ms = 2, mp.cpu_pct = 71, mp.cpu_mhz = 13000, mp.power_w = 201.5, mp.vms = 6;
    ROUND_TRIP(metric_pm, xgc_metric_pm_t, mp);

    xgc_plan_round_t round;
    memset(&round, 0, sizeof round);
    round.round = 12, round.utility = 40.5, round.power_cost = 9, round.net = 31.5;
    round.pms_on = 3, round.migrations = 2, round.time_ms = 0.75;
    strcpy(round.reason, "vm arrival web-9");
    ROUND_TRIP(plan_round, xgc_plan_round_t, round);

    xgc_cmd_t cmd;
    memset(&cmd, 0, sizeof cmd);
    strcpy(cmd.vm, "db"), strcpy(cmd.host, "pm2"), strcpy(cmd.from, "pm1");
    strcpy(cmd.reason, "consolidate");
    ROUND_TRIP(cmd, xgc_cmd_t, cmd);

    xgc_op_t op;
    memset(&op, 0, sizeof op);
    strcpy(op.vm, "db"), strcpy(op.host, "pm2"), op.phase = XGC_OP_FAILED;
    strcpy(op.reason, "timeout"), op.time_ms = 30000;
    ROUND_TRIP(op, xgc_op_t, op);
}

/* Build a frame with the encoder from alternating key, YAML-ish values. */
static int s_frame(void **data, size_t *size, int v, const char *state, const char *vm)
{
    xgc_msg_enc_t enc;
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_map_begin(&enc);
    if (v >= 0)
        xgc_msg_enc_kv_int(&enc, "v", v);
    if (vm)
        xgc_msg_enc_kv_str(&enc, "vm", vm);
    xgc_msg_enc_kv_str(&enc, "host", "pm1");
    if (state)
        xgc_msg_enc_kv_str(&enc, "state", state);
    xgc_msg_enc_kv_str(&enc, "future_field", "ignored");
    xgc_msg_enc_key(&enc, "nested_future");
    xgc_msg_enc_array_begin(&enc);
    xgc_msg_enc_nil(&enc);
    xgc_msg_enc_array_end(&enc);
    xgc_msg_enc_map_end(&enc);
    return xgc_msg_enc_finish(&enc, data, size);
}

XGC_TEST(decoder_refusals_name_the_field)
{
    void *data;
    size_t size;
    xgc_vm_actual_t act;
    char err[XGC_ERR_MAX];

    CHECK(s_frame(&data, &size, 1, "running", "web") == 0);
    CHECK(xgc_msg_vm_actual_decode(data, size, &act, err, sizeof err) == 0);
    CHECK(act.state == XGC_VM_RUNNING && act.cap_mhz == 0 && !strcmp(act.reason, ""));
    free(data);

    CHECK(s_frame(&data, &size, 1, "running", NULL) == 0);
    CHECK(xgc_msg_vm_actual_decode(data, size, &act, err, sizeof err) < 0);
    CHECK_STR(err, "vm_actual: field 'vm': missing");
    free(data);

    CHECK(s_frame(&data, &size, 1, "runnin", "web") == 0);
    CHECK(xgc_msg_vm_actual_decode(data, size, &act, err, sizeof err) < 0);
    CHECK_STR(err, "vm_actual: field 'state': 'runnin' is not one of creating, running, "
                   "migrating_out, migrating_in, stopping, failed");
    free(data);

    CHECK(s_frame(&data, &size, -1, "running", "web") == 0);
    CHECK(xgc_msg_vm_actual_decode(data, size, &act, err, sizeof err) < 0);
    CHECK_STR(err, "vm_actual: field 'v': missing");
    free(data);

    CHECK(s_frame(&data, &size, 2, "running", "web") == 0);
    CHECK(xgc_msg_vm_actual_decode(data, size, &act, err, sizeof err) < 0);
    CHECK_STR(err, "vm_actual: field 'v': unsupported schema version 2");
    free(data);

    char long_name[XGC_NAME_MAX + 1];
    memset(long_name, 'x', XGC_NAME_MAX);
    long_name[XGC_NAME_MAX] = '\0';
    CHECK(s_frame(&data, &size, 1, "running", long_name) == 0);
    CHECK(xgc_msg_vm_actual_decode(data, size, &act, err, sizeof err) < 0);
    CHECK_STR(err, "vm_actual: field 'vm': 64 bytes is longer than the limit of 63");
    free(data);
    long_name[XGC_NAME_MAX - 1] = '\0';       /* 63 bytes: fits exactly */
    CHECK(s_frame(&data, &size, 1, "running", long_name) == 0);
    CHECK(xgc_msg_vm_actual_decode(data, size, &act, err, sizeof err) == 0);
    CHECK_STR(act.vm, long_name);
    free(data);
}

XGC_TEST(numbers_types_and_defaults)
{
    xgc_msg_enc_t enc;
    void *data;
    size_t size;
    char err[XGC_ERR_MAX];
    xgc_vm_spec_t vm;
    /* Integers where doubles are due; shares and utility_max defaulted. */
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_map_begin(&enc);
    xgc_msg_enc_kv_int(&enc, "v", 1);
    xgc_msg_enc_kv_str(&enc, "name", "a");
    xgc_msg_enc_kv_int(&enc, "min_mhz", 100);
    xgc_msg_enc_kv_int(&enc, "max_mhz", 200);
    xgc_msg_enc_kv_int(&enc, "mem_mb", 512);
    xgc_msg_enc_kv_double(&enc, "utility_min", 2.5);
    xgc_msg_enc_map_end(&enc);
    CHECK(xgc_msg_enc_finish(&enc, &data, &size) == 0);
    CHECK(xgc_msg_vm_spec_decode(data, size, &vm, err, sizeof err) == 0);
    CHECK(vm.min_mhz == 100 && vm.max_mhz == 200 && vm.shares == 256);
    CHECK(vm.utility_max == 2.5 && vm.image[0] == '\0');
    free(data);

    /* A string where a number is due; a NaN. */
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_map_begin(&enc);
    xgc_msg_enc_kv_int(&enc, "v", 1);
    xgc_msg_enc_kv_str(&enc, "host", "pm1");
    xgc_msg_enc_kv_str(&enc, "ts_ms", "soon");
    xgc_msg_enc_map_end(&enc);
    CHECK(xgc_msg_enc_finish(&enc, &data, &size) == 0);
    xgc_heartbeat_t hb;
    CHECK(xgc_msg_heartbeat_decode(data, size, &hb, err, sizeof err) < 0);
    CHECK_STR(err, "heartbeat: field 'ts_ms': expected an integer, found a string");
    free(data);

    xgc_metric_pm_t mp;
    memset(&mp, 0, sizeof mp);
    strcpy(mp.host, "pm1");
    mp.power_w = NAN;
    CHECK(xgc_msg_metric_pm_encode(&mp, &data, &size) == 0);
    CHECK(xgc_msg_metric_pm_decode(data, size, &mp, err, sizeof err) < 0);
    CHECK_STR(err, "metric_pm: field 'power_w': not a finite number");
    free(data);

    /* Not a map at all; garbage bytes. */
    xgc_lease_t lease;
    CHECK(xgc_msg_lease_decode("\x93\x01\x02\x03", 4, &lease, err, sizeof err) < 0);
    CHECK_STR(err, "lease: expected a map, found an array");
    CHECK(xgc_msg_lease_decode("\xc1", 1, &lease, err, sizeof err) < 0);
    CHECK(strstr(err, "lease: invalid or truncated header 0xc1") == err);
}

XGC_TEST(encoder_counts_and_refuses_misuse)
{
    xgc_msg_enc_t enc;
    void *data;
    size_t size;
    /* 70 000 elements: a 32-bit array header, read back intact. */
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_array_begin(&enc);
    for (int i = 0; i < 70000; i++)
        xgc_msg_enc_int(&enc, i % 100);
    xgc_msg_enc_array_end(&enc);
    CHECK(xgc_msg_enc_finish(&enc, &data, &size) == 0);
    CHECK(((unsigned char *)data)[0] == 0xdd);
    char err[XGC_ERR_MAX];
    xgc_msg_t *msg = xgc_msg_decode(data, size, err, sizeof err);
    free(data);
    CHECK(msg && xgc_msg_root(msg)->via.array.size == 70000);
    CHECK(xgc_msg_root(msg)->via.array.ptr[69999].via.u64 == 69999 % 100);
    xgc_msg_destroy(&msg);
    CHECK(msg == NULL);

    /* A 20-key map gets a map16 header. */
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_map_begin(&enc);
    for (int i = 0; i < 20; i++) {
        char key[8];
        snprintf(key, sizeof key, "k%d", i);
        xgc_msg_enc_kv_bool(&enc, key, i & 1);
    }
    xgc_msg_enc_map_end(&enc);
    CHECK(xgc_msg_enc_finish(&enc, &data, &size) == 0);
    CHECK(((unsigned char *)data)[0] == 0xde);
    msg = xgc_msg_decode(data, size, err, sizeof err);
    free(data);
    CHECK(msg);
    bool b = false;
    CHECK(xgc_msg_read_bool(xgc_msg_root(msg), "k19", true, &b, err, sizeof err) == 0 && b);
    xgc_msg_destroy(&msg);

    /* Misuse: value without key, key in an array, unbalanced, two tops. */
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_map_begin(&enc);
    xgc_msg_enc_int(&enc, 1);
    xgc_msg_enc_map_end(&enc);
    CHECK(xgc_msg_enc_finish(&enc, &data, &size) < 0);
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_array_begin(&enc);
    xgc_msg_enc_key(&enc, "k");
    CHECK(xgc_msg_enc_finish(&enc, &data, &size) < 0);
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_map_begin(&enc);
    xgc_msg_enc_key(&enc, "k");
    xgc_msg_enc_map_end(&enc);
    CHECK(xgc_msg_enc_finish(&enc, &data, &size) < 0);
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_int(&enc, 1);
    xgc_msg_enc_int(&enc, 2);
    CHECK(xgc_msg_enc_finish(&enc, &data, &size) < 0);
    xgc_msg_enc_init(&enc);
    CHECK(xgc_msg_enc_finish(&enc, &data, &size) < 0);   /* nothing written */
    xgc_msg_enc_init(&enc);
    for (int i = 0; i <= XGC_MSG_MAX_DEPTH; i++)
        xgc_msg_enc_array_begin(&enc);
    CHECK(xgc_msg_enc_finish(&enc, &data, &size) < 0);
    /* A raw value must be valid msgpack. */
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_raw(&enc, "\xdd\xff\xff\xff\xff", 5);
    CHECK(xgc_msg_enc_finish(&enc, &data, &size) < 0);
}

XGC_TEST(validator_refuses_lying_counts_and_garbage)
{
    char err[XGC_ERR_MAX];
    /* 96 GB asked by 5 bytes: refused before msgpack-c sees it. */
    CHECK(xgc_msg_validate("\xdd\xff\xff\xff\xff", 5, err, sizeof err) < 0);
    CHECK(strstr(err, "count 4294967295 at byte 0 exceeds the 0 bytes left"));
    CHECK(xgc_msg_validate("\xdf\xff\xff\xff\xff\x01\x01", 7, err, sizeof err) < 0);
    CHECK(xgc_msg_validate("\xdb\xff\xff\xff\xff", 5, err, sizeof err) < 0);
    CHECK(xgc_msg_validate("\xc6\x00\x00\x00\x02\x41", 6, err, sizeof err) < 0);
    /* Trailing bytes, truncated header, empty frame. */
    CHECK(xgc_msg_validate("\x01\x02", 2, err, sizeof err) < 0);
    CHECK_STR(err, "1 bytes of trailing garbage after byte 1");
    CHECK(xgc_msg_validate("\xcd\x01", 2, err, sizeof err) < 0);
    CHECK(xgc_msg_validate("", 0, err, sizeof err) < 0);
    CHECK(xgc_msg_decode("", 0, err, sizeof err) == NULL);
    /* Depth: exactly the limit passes, one more is refused. */
    unsigned char deep[XGC_MSG_MAX_DEPTH + 2];
    memset(deep, 0x91, sizeof deep);
    deep[XGC_MSG_MAX_DEPTH] = 0xc0;
    CHECK(xgc_msg_validate(deep, XGC_MSG_MAX_DEPTH + 1, err, sizeof err) == 0);
    deep[XGC_MSG_MAX_DEPTH] = 0x91, deep[XGC_MSG_MAX_DEPTH + 1] = 0xc0;
    CHECK(xgc_msg_validate(deep, sizeof deep, err, sizeof err) < 0);
    CHECK(strstr(err, "nesting deeper than"));
    /* Every scalar form is accepted. */
    static const unsigned char all[] = {
        0xdc, 0, 19, 0xc0, 0xc2, 0xc3, 0xcc, 1, 0xcd, 0, 1, 0xd0, 0xff, 0xca, 0, 0, 0, 0,
        0xcb, 0, 0, 0, 0, 0, 0, 0, 0, 0xa1, 'x', 0xd9, 1, 'y', 0xc4, 1, 0, 0xd4, 1, 2,
        0xc7, 1, 5, 9, 0x80, 0x90, 0xe0, 0x7f, 0xd3, 0, 0, 0, 0, 0, 0, 0, 1,
        0xd8, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    CHECK(xgc_msg_validate(all, sizeof all, err, sizeof err) == 0);
    xgc_msg_t *msg = xgc_msg_decode(all, sizeof all, err, sizeof err);
    CHECK(msg && xgc_msg_root(msg)->via.array.size == 19);
    xgc_msg_destroy(&msg);
}

XGC_TEST(keys_and_topics_map_to_schemas)
{
    CHECK_STR(xgc_msg_schema_of_key("vm/web-1/spec"), "vm_spec");
    CHECK_STR(xgc_msg_schema_of_key("pm/pm1/info"), "pm_spec");
    CHECK_STR(xgc_msg_schema_of_key("pm/pm1/alive"), "heartbeat");
    CHECK_STR(xgc_msg_schema_of_key("pm/pm1/vm/web-1"), "vm_actual");
    CHECK_STR(xgc_msg_schema_of_key("plan/pm1/web-1"), "plan_entry");
    CHECK_STR(xgc_msg_schema_of_key("pm/pm1/power"), "power_state");
    CHECK_STR(xgc_msg_schema_of_key("pm/pm1/admin"), "pm_admin");
    CHECK_STR(xgc_msg_schema_of_key("sched/leader"), "lease");
    CHECK(xgc_msg_schema_of_key("vm//spec") == NULL);
    CHECK(xgc_msg_schema_of_key("plan/pm1/web/x") == NULL);
    CHECK(xgc_msg_schema_of_key("other/thing") == NULL);
    CHECK_STR(xgc_msg_schema_of_topic("metric.vm.web-1"), "metric_vm");
    CHECK_STR(xgc_msg_schema_of_topic("metric.pm.pm1"), "metric_pm");
    CHECK_STR(xgc_msg_schema_of_topic("plan.round"), "plan_round");
    CHECK_STR(xgc_msg_schema_of_topic("cmd.pm1.migrate"), "cmd");
    CHECK_STR(xgc_msg_schema_of_topic("op.pm1.create"), "op");
    CHECK(xgc_msg_schema_of_topic("log.pmd") == NULL);

    xgc_lease_t lease = {"me", 5};
    void *data;
    size_t size;
    char err[XGC_ERR_MAX];
    CHECK(xgc_msg_lease_encode(&lease, &data, &size) == 0);
    CHECK(xgc_msg_check_schema("lease", data, size, err, sizeof err) == 0);
    CHECK(xgc_msg_check_schema("heartbeat", data, size, err, sizeof err) < 0);
    CHECK_STR(err, "heartbeat: field 'host': missing");
    CHECK(xgc_msg_check_schema("nope", data, size, err, sizeof err) < 0);
    free(data);
}

XGC_TEST(enum_names)
{
    xgc_vm_state_t s;
    CHECK_STR(xgc_vm_state_name(XGC_VM_MIGRATING_OUT), "migrating_out");
    CHECK_STR(xgc_vm_state_name((xgc_vm_state_t)99), "?");
    CHECK(xgc_vm_state_parse("failed", &s) == 0 && s == XGC_VM_FAILED);
    CHECK(xgc_vm_state_parse("FAILED", &s) < 0);
    xgc_power_t p;
    CHECK(xgc_power_parse("off", &p) == 0 && p == XGC_POWER_OFF);
    CHECK_STR(xgc_plan_state_name(XGC_PLAN_RUN), "run");
    CHECK_STR(xgc_op_phase_name(XGC_OP_DONE), "done");
}

XGC_TEST(log_events_split_context)
{
    void *data;
    size_t size;
    char err[XGC_ERR_MAX], out[160];
    CHECK(xgc_msg_log_encode("warn", "vm failed: no room x=1 vm=web host=pm1 ms=40", &data,
                             &size) == 0);
    xgc_msg_t *msg = xgc_msg_decode(data, size, err, sizeof err);
    free(data);
    CHECK(msg);
    const msgpack_object *root = xgc_msg_root(msg);
    CHECK(xgc_msg_read_str(root, "msg", true, out, sizeof out, err, sizeof err) == 0);
    CHECK_STR(out, "vm failed: no room");
    CHECK(xgc_msg_read_str(root, "level", true, out, sizeof out, err, sizeof err) == 0);
    CHECK_STR(out, "warn");
    CHECK(xgc_msg_read_str(root, "host", true, out, sizeof out, err, sizeof err) == 0);
    CHECK_STR(out, "pm1");
    CHECK(xgc_msg_read_str(root, "x", true, out, sizeof out, err, sizeof err) == 0);
    CHECK_STR(out, "1");
    CHECK(root->via.map.size == 7);
    xgc_msg_destroy(&msg);
    /* No context, and words that only look like pairs. */
    CHECK(xgc_msg_log_encode("info", "a=b started msg=x =y", &data, &size) == 0);
    msg = xgc_msg_decode(data, size, err, sizeof err);
    free(data);
    CHECK(msg && xgc_msg_read_str(xgc_msg_root(msg), "msg", true, out, sizeof out, err,
                                  sizeof err) == 0);
    CHECK_STR(out, "a=b started msg=x =y");
    xgc_msg_destroy(&msg);
    CHECK(xgc_msg_log_encode("info", "", &data, &size) == 0);
    free(data);
}

/* pm_spec from YAML-ish text, through the JSON module's text encoder. */
static int s_pm_from_text(const char *text, xgc_pm_spec_t *pm, char *err)
{
    void *data;
    size_t size;
    if (xgc_json_to_msgpack(text, strlen(text), "t", &data, &size, err, XGC_ERR_MAX) < 0)
        return -2;
    int rc = xgc_msg_pm_spec_decode(data, size, pm, err, XGC_ERR_MAX);
    free(data);
    return rc;
}

XGC_TEST(pm_spec_nested_power)
{
    xgc_pm_spec_t pm;
    char err[XGC_ERR_MAX];
    CHECK(s_pm_from_text("{v: 1, name: a, cpu_mhz: 1, mem_mb: 1}", &pm, err) == 0);
    CHECK_STR(pm.driver, "sim");
    CHECK(pm.power.table_n == 0 && pm.cores == 0);
    CHECK(s_pm_from_text("{v: 1, name: a, cpu_mhz: 1, mem_mb: 1, power: {table_w: [1,2]}}",
                         &pm, err) < 0);
    CHECK_STR(err, "pm_spec: field 'table_w': expected an array of 11 numbers");
    CHECK(s_pm_from_text("{v: 1, name: a, cpu_mhz: 1, mem_mb: 1, power: {table_w: "
                         "[1,2,3,4,5,6,7,8,9,10,-1]}}", &pm, err) < 0);
    CHECK_STR(err, "pm_spec: field 'table_w': item 10 is not a number >= 0");
    CHECK(s_pm_from_text("{v: 1, name: a, cpu_mhz: 1, mem_mb: 1, power: 5}", &pm, err) < 0);
    CHECK_STR(err, "pm_spec: field 'power': expected a map, found an integer");
    CHECK(s_pm_from_text("{v: 1, name: a, cpu_mhz: 1, mem_mb: 1, cores: 4294967296}", &pm,
                         err) < 0);
    CHECK_STR(err, "pm_spec: field 'cores': 4294967296 is out of range");
    CHECK(s_pm_from_text("{v: 1, name: a, cpu_mhz: 1, mem_mb: 1, driver: abcdefghijklmnop}",
                         &pm, err) < 0);
    CHECK_STR(err, "pm_spec: field 'driver': 16 bytes is longer than the limit of 15");
    CHECK(s_pm_from_text("{v: 1.0, name: a, cpu_mhz: 1, mem_mb: 1, cores: 8.0}", &pm, err) == 0);
    CHECK(pm.cores == 8);
    CHECK(s_pm_from_text("{v: 1, name: a, cpu_mhz: 1, mem_mb: 1, cores: 8.5}", &pm, err) < 0);
    CHECK_STR(err, "pm_spec: field 'cores': 8.5 is not a whole number in range");
}

int main(void)
{
    XGC_TEST_RUN(pm_spec_nested_power);
    XGC_TEST_RUN(log_events_split_context);
    XGC_TEST_RUN(round_trip_specs);
    XGC_TEST_RUN(round_trip_state_values);
    XGC_TEST_RUN(round_trip_events);
    XGC_TEST_RUN(decoder_refusals_name_the_field);
    XGC_TEST_RUN(numbers_types_and_defaults);
    XGC_TEST_RUN(encoder_counts_and_refuses_misuse);
    XGC_TEST_RUN(validator_refuses_lying_counts_and_garbage);
    XGC_TEST_RUN(keys_and_topics_map_to_schemas);
    XGC_TEST_RUN(enum_names);
    return XGC_TEST_END();
}
