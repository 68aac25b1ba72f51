/* Unit tests of pmd/evqueue: the drivers' queue of finished operations. */
#include "xgc_test.h"
#include "pmd/evqueue.h"

XGC_TEST(push_pop_overflow)
{
    static xgc_evqueue_t q;
    xgc_drv_event_t out[4];
    CHECK(xgc_evqueue_push(&q, XGC_OP_CREATE, "vm1", 7, 1, NULL, 1000, 1250) == 0);
    CHECK(xgc_evqueue_push(&q, XGC_EV_GUEST_CRASH, "vm2", 0, 0, "crashed", 0, 1300) == 0);
    CHECK(xgc_evqueue_pop(&q, out, 1) == 1);
    CHECK(out[0].op_id == 7 && out[0].ok == 1 && out[0].elapsed_ms == 250);
    CHECK_STR(out[0].vm, "vm1");
    CHECK_STR(out[0].reason, "");
    CHECK(xgc_evqueue_pop(&q, out, 4) == 1);
    CHECK(out[0].kind == XGC_EV_GUEST_CRASH && out[0].elapsed_ms == 0);
    CHECK_STR(out[0].reason, "crashed");
    CHECK(xgc_evqueue_pop(&q, out, 4) == 0);
    /* full: the oldest goes */
    for (uint64_t i = 1; i <= XGC_EVQUEUE_MAX; i++)
        CHECK(xgc_evqueue_push(&q, XGC_OP_DESTROY, "v", i, 1, "", 0, 0) == 0);
    CHECK(xgc_evqueue_push(&q, XGC_OP_DESTROY, "v", 999, 1, "", 0, 0) == 1);
    CHECK(q.n == XGC_EVQUEUE_MAX);
    CHECK(xgc_evqueue_pop(&q, out, 1) == 1 && out[0].op_id == 2);
}

int main(void)
{
    XGC_TEST_RUN(push_pop_overflow);
    return XGC_TEST_END();
}
