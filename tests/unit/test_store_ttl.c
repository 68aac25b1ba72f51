/* Store unit tests: TTL keys expire (a journaled delete), refreshed TTLs
 * do not expire early, TTLs survive a reload. */
#include <czmq.h>
#include <unistd.h>

#include "broker/store.h"
#include "xgc_test.h"

static char s_dir[64];

static void s_rmrf(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", s_dir);
}
static int s_expired;
static uint64_t s_expired_seq;

static void s_on_expired(void *arg, const char *key, uint64_t seq)
{
    (void)arg;
    if (!strcmp(key, "pm/a/alive"))
        s_expired++;
    s_expired_seq = seq;
}

static void s_clean(void)
{
    s_rmrf();
}

XGC_TEST(expiry_deletes_and_reports)
{
    char err[256];
    xgc_store_t *store = xgc_store_open(s_dir, err, sizeof err);
    CHECK(store);
    uint64_t seq;
    CHECK(xgc_store_set(store, "p", 1, "pm/a/alive", "h", 1, 1500, 1000, &seq) == 1);
    CHECK(xgc_store_set(store, "p", 2, "pm/a/info", "i", 1, 0, 1000, &seq) == 1);
    CHECK(xgc_store_next_expiry(store) == 1500);
    CHECK(xgc_store_expire(store, 1499, s_on_expired, NULL) == 0);
    /* refreshed before it expired: the old expiry no longer applies */
    CHECK(xgc_store_set(store, "p", 3, "pm/a/alive", "h", 1, 2500, 1400, &seq) == 1);
    CHECK(xgc_store_expire(store, 1600, s_on_expired, NULL) == 0);
    CHECK(xgc_store_get(store, "pm/a/alive", NULL));
    CHECK(xgc_store_expire(store, 2500, s_on_expired, NULL) == 1);
    CHECK(s_expired == 1 && s_expired_seq == 4);
    CHECK(!xgc_store_get(store, "pm/a/alive", NULL));
    CHECK(xgc_store_get(store, "pm/a/info", NULL));
    CHECK(xgc_store_next_expiry(store) == 0);
    /* a TTL key that outlives a restart still expires after it */
    CHECK(xgc_store_set(store, "p", 4, "pm/b/alive", "h", 1, 9000, 2600, &seq) == 1);
    CHECK(xgc_store_sync(store) == 0);
    xgc_store_destroy(&store);

    store = xgc_store_open(s_dir, err, sizeof err);
    CHECK(store);
    CHECK(!xgc_store_get(store, "pm/a/alive", NULL));
    CHECK(xgc_store_next_expiry(store) == 9000);
    CHECK(xgc_store_expire(store, 9000, NULL, NULL) == 1);
    CHECK(xgc_store_seq(store) == 6);
    xgc_store_destroy(&store);
}

int main(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/xgc-test-ttl-%d", getpid());
    s_clean();
    XGC_TEST_RUN(expiry_deletes_and_reports);
    s_clean();
    return XGC_TEST_END();
}
