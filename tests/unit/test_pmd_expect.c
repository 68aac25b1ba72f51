/* Unit tests of pmd/expect: the table of migrations to receive. */
#include "xgc_test.h"
#include "pmd/expect.h"

XGC_TEST(put_take_expire)
{
    xgc_expect_table_t t = {0};
    xgc_expect_t old, e, gone[4];
    CHECK(xgc_expect_put(&t, "vm1", 7, 1000, 500, &old) == 0);
    CHECK(xgc_expect_put(&t, "vm2", 8, 1000, 2000, &old) == 0);
    /* prepared again: replaced, the old op is handed back */
    CHECK(xgc_expect_put(&t, "vm1", 9, 1100, 500, &old) == 1);
    CHECK(old.op_id == 7 && t.n == 2);
    CHECK(xgc_expect_expire(&t, 1599, gone, 4) == 0);
    CHECK(xgc_expect_expire(&t, 1600, gone, 4) == 1 && gone[0].op_id == 9);
    CHECK(xgc_expect_take(&t, "vm1", &e) == 0);
    CHECK(xgc_expect_take(&t, "vm2", &e) == 1 && e.op_id == 8 && e.started_ms == 1000);
    CHECK(t.n == 0);
    for (int i = 0; i < XGC_EXPECT_MAX; i++) {
        char name[16];
        snprintf(name, sizeof name, "v%d", i);
        CHECK(xgc_expect_put(&t, name, 1, 0, 1, &old) == 0);
    }
    CHECK(xgc_expect_put(&t, "one-more", 1, 0, 1, &old) == -1);
}

int main(void)
{
    XGC_TEST_RUN(put_take_expire);
    return XGC_TEST_END();
}
