/* Unit tests of common/xgc_kv: key=value words in a command line or in
 * xl's ';'-separated options. */
#include "xgc_test.h"
#include "xgc_kv.h"

XGC_TEST(words_and_edges)
{
    char v[8];
    CHECK(xgc_kv_get("  ro xgc.name=web1\txgc.host=pm2\n", " \t\n", "xgc.host", v, sizeof v) == 0);
    CHECK_STR(v, "pm2");
    CHECK(xgc_kv_get("a=1;;mem=512;mem=9", ";", "mem", v, sizeof v) == 0);
    CHECK_STR(v, "512");                       /* the first match wins */
    CHECK(xgc_kv_get("memory=1;me=2", ";", "mem", v, sizeof v) == -1);
    CHECK(xgc_kv_get("k=0123456789", ";", "k", v, sizeof v) == 0);
    CHECK_STR(v, "0123456");                   /* cut to the buffer */
    CHECK(xgc_kv_get("k=", ";", "k", v, sizeof v) == 0);
    CHECK_STR(v, "");                          /* present, empty */
    CHECK(xgc_kv_get(NULL, ";", "k", v, sizeof v) == -1);
    CHECK(xgc_kv_get("", ";", "k", v, sizeof v) == -1);
}

int main(void)
{
    XGC_TEST_RUN(words_and_edges);
    return XGC_TEST_END();
}
