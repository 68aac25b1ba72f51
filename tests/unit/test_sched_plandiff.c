/* Unit tests of scheduler/plandiff: desired vs current plan → minimal ops. */
#include <stdlib.h>

#include "scheduler/plandiff.h"
#include "tests/unit/xgc_test.h"

static xgc_plan_entry_t s_e(const char *vm, const char *host, double cap,
                                const char *from)
{
    xgc_plan_entry_t e = {0};
    snprintf(e.vm, sizeof e.vm, "%s", vm);
    snprintf(e.host, sizeof e.host, "%s", host);
    snprintf(e.from, sizeof e.from, "%s", from);
    e.cap_mhz = cap;
    e.weight = 1;
    return e;
}

static xgc_power_state_t s_p(const char *host, int on)
{
    xgc_power_state_t p = {0};
    snprintf(p.host, sizeof p.host, "%s", host);
    p.state = on ? XGC_POWER_ON : XGC_POWER_OFF;
    return p;
}

static xgc_plandiff_op_t *ops;
static size_t n;
static char err[256];

#define DIFF(d, nd, c, nc, w, nw, pc, npc)                                  \
    (free(ops), ops = NULL, xgc_plandiff_compute(d, nd, c, nc, w, nw, pc, npc, \
                                                 &ops, &n, err, sizeof err))

XGC_TEST(same_is_nothing)
{
    xgc_plan_entry_t a[] = {s_e("v1", "pm1", 1000, ""), s_e("v2", "pm2", 500, "")};
    xgc_plan_entry_t b[] = {s_e("v2", "pm2", 500, ""), s_e("v1", "pm1", 1000, "")};
    strcpy(b[0].reason, "other reason, same entry");
    CHECK(DIFF(a, 2, b, 2, NULL, 0, NULL, 0) == 0);
    CHECK(n == 0);
}

XGC_TEST(arrival_is_one_create)
{
    xgc_plan_entry_t d[] = {s_e("v1", "pm1", 1000, ""), s_e("v2", "pm2", 500, "")};
    CHECK(DIFF(d, 2, d, 1, NULL, 0, NULL, 0) == 0);
    CHECK(n == 1);
    CHECK(ops[0].kind == XGC_PLANDIFF_WRITE);
    CHECK_STR(ops[0].entry.vm, "v2");
    CHECK(ops[0].cmd == XGC_CMD_CREATE);
    CHECK_STR(ops[0].cmd_host, "pm2");
    CHECK_STR(xgc_plandiff_cmd_name(ops[0].cmd), "create");
}

XGC_TEST(move_is_write_then_delete)
{
    xgc_plan_entry_t d[] = {s_e("v1", "pm2", 1000, "pm1")};
    xgc_plan_entry_t c[] = {s_e("v1", "pm1", 1000, "")};
    CHECK(DIFF(d, 1, c, 1, NULL, 0, NULL, 0) == 0);
    CHECK(n == 2);
    CHECK(ops[0].kind == XGC_PLANDIFF_WRITE && ops[0].cmd == XGC_CMD_MIGRATE);
    CHECK_STR(ops[0].entry.host, "pm2");
    CHECK_STR(ops[0].entry.from, "pm1");
    CHECK(ops[1].kind == XGC_PLANDIFF_DELETE && ops[1].cmd == XGC_CMD_NONE);
    CHECK_STR(ops[1].entry.host, "pm1");
}

XGC_TEST(departure_is_destroy)
{
    xgc_plan_entry_t c[] = {s_e("v1", "pm1", 1000, ""), s_e("v2", "pm1", 10, "")};
    CHECK(DIFF(c, 1, c, 2, NULL, 0, NULL, 0) == 0);
    CHECK(n == 1);
    CHECK(ops[0].kind == XGC_PLANDIFF_DELETE && ops[0].cmd == XGC_CMD_DESTROY);
    CHECK_STR(ops[0].entry.vm, "v2");
    CHECK_STR(ops[0].cmd_host, "pm1");
}

XGC_TEST(resize_is_adjust_and_noise_ignored)
{
    xgc_plan_entry_t d[] = {s_e("v1", "pm1", 1500, ""), s_e("v2", "pm1", 500.2, "")};
    xgc_plan_entry_t c[] = {s_e("v1", "pm1", 1000, ""), s_e("v2", "pm1", 500, "")};
    CHECK(DIFF(d, 2, c, 2, NULL, 0, NULL, 0) == 0);
    CHECK(n == 1);
    CHECK(ops[0].cmd == XGC_CMD_ADJUST);
    CHECK_NEAR(ops[0].entry.cap_mhz, 1500, 0);
}

XGC_TEST(stop_and_restart)
{
    xgc_plan_entry_t d[] = {s_e("v1", "pm1", 1000, "")};
    xgc_plan_entry_t c[] = {s_e("v1", "pm1", 1000, "")};
    d[0].state = XGC_PLAN_STOP;
    CHECK(DIFF(d, 1, c, 1, NULL, 0, NULL, 0) == 0);
    CHECK(n == 1 && ops[0].cmd == XGC_CMD_DESTROY && ops[0].kind == XGC_PLANDIFF_WRITE);
    CHECK(DIFF(c, 1, d, 1, NULL, 0, NULL, 0) == 0);
    CHECK(n == 1 && ops[0].cmd == XGC_CMD_CREATE);
}

XGC_TEST(from_cleared_is_silent_write)
{
    xgc_plan_entry_t d[] = {s_e("v1", "pm2", 1000, "")};
    xgc_plan_entry_t c[] = {s_e("v1", "pm2", 1000, "pm1")};
    CHECK(DIFF(d, 1, c, 1, NULL, 0, NULL, 0) == 0);
    CHECK(n == 1 && ops[0].kind == XGC_PLANDIFF_WRITE && ops[0].cmd == XGC_CMD_NONE);
}

XGC_TEST(power_order)
{
    xgc_power_state_t w[] = {s_p("pm3", 0), s_p("pm2", 1), s_p("pm1", 1), s_p("pm4", 1)};
    xgc_power_state_t c[] = {s_p("pm1", 1), s_p("pm2", 0), s_p("pm3", 1)};
    xgc_plan_entry_t d[] = {s_e("v1", "pm2", 1000, "pm3")};
    xgc_plan_entry_t cur[] = {s_e("v1", "pm3", 1000, "")};
    CHECK(DIFF(d, 1, cur, 1, w, 4, c, 3) == 0);
    CHECK(n == 5);
    CHECK(ops[0].kind == XGC_PLANDIFF_POWER && ops[0].power.state == XGC_POWER_ON);
    CHECK_STR(ops[0].power.host, "pm2");
    CHECK(ops[0].cmd == XGC_CMD_POWER_ON);
    CHECK_STR(ops[1].power.host, "pm4");   /* no key yet: bookkeeping */
    CHECK(ops[1].cmd == XGC_CMD_NONE);
    CHECK(ops[2].kind == XGC_PLANDIFF_WRITE);
    CHECK(ops[3].kind == XGC_PLANDIFF_DELETE);
    CHECK(ops[4].kind == XGC_PLANDIFF_POWER && ops[4].cmd == XGC_CMD_POWER_OFF);
    CHECK_STR(ops[4].power.host, "pm3");
}

XGC_TEST(duplicates_refused)
{
    xgc_plan_entry_t d[] = {s_e("v1", "pm1", 1, ""), s_e("v1", "pm2", 1, "")};
    CHECK(DIFF(d, 2, NULL, 0, NULL, 0, NULL, 0) == -1);
    CHECK(strstr(err, "v1") != NULL);
    CHECK(DIFF(NULL, 0, d, 2, NULL, 0, NULL, 0) == 0);   /* two keys: fine */
    CHECK(n == 2 && ops[0].cmd == XGC_CMD_DESTROY && ops[1].cmd == XGC_CMD_DESTROY);
    xgc_plan_entry_t c[] = {s_e("v1", "pm1", 1, ""), s_e("v1", "pm1", 1, "")};
    CHECK(DIFF(NULL, 0, c, 2, NULL, 0, NULL, 0) == -1);
}

XGC_TEST(empty)
{
    CHECK(DIFF(NULL, 0, NULL, 0, NULL, 0, NULL, 0) == 0);
    CHECK(n == 0);
}

int main(void)
{
    XGC_TEST_RUN(same_is_nothing);
    XGC_TEST_RUN(arrival_is_one_create);
    XGC_TEST_RUN(move_is_write_then_delete);
    XGC_TEST_RUN(departure_is_destroy);
    XGC_TEST_RUN(resize_is_adjust_and_noise_ignored);
    XGC_TEST_RUN(stop_and_restart);
    XGC_TEST_RUN(from_cleared_is_silent_write);
    XGC_TEST_RUN(power_order);
    XGC_TEST_RUN(duplicates_refused);
    XGC_TEST_RUN(empty);
    free(ops);
    return XGC_TEST_END();
}
