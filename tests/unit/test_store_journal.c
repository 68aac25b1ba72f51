/* Store unit tests: journal replay, torn tail, compaction, writer dedup. */
#include <czmq.h>
#include <fcntl.h>
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

static xgc_store_t *s_open(void)
{
    char err[256] = "";
    xgc_store_t *store = xgc_store_open(s_dir, err, sizeof err);
    if (!store)
        fprintf(stderr, "open: %s\n", err);
    return store;
}

static void s_fresh_dir(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/xgc-test-store-%d", getpid());
    s_rmrf();
}

static int s_value_is(xgc_store_t *store, const char *key, const char *value)
{
    xgc_store_item_t item;
    return xgc_store_get(store, key, &item) && item.len == strlen(value)
           && memcmp(item.value, value, item.len) == 0;
}

XGC_TEST(replay_after_sync)
{
    s_fresh_dir();
    xgc_store_t *store = s_open();
    CHECK(store);
    uint64_t seq;
    char key[32], val[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k/%d", i);
        snprintf(val, sizeof val, "v%d", i);
        CHECK(xgc_store_set(store, "c1", i + 1, key, val, strlen(val), 0, 1, &seq)
              == XGC_STORE_APPLIED);
    }
    CHECK(xgc_store_del(store, "c1", 1001, "k/7", 1, &seq) == XGC_STORE_APPLIED);
    CHECK(seq == 1001);
    CHECK(xgc_store_sync(store) == 0);
    /* written but never synced: lost, like a crash */
    CHECK(xgc_store_set(store, "c1", 1002, "k/late", "x", 1, 0, 1, &seq) == 1);
    xgc_store_destroy(&store);

    store = s_open();
    CHECK(store);
    CHECK(xgc_store_size(store) == 999);
    CHECK(xgc_store_seq(store) == 1001);
    CHECK(s_value_is(store, "k/0", "v0"));
    CHECK(s_value_is(store, "k/999", "v999"));
    CHECK(!xgc_store_get(store, "k/7", NULL));
    CHECK(!xgc_store_get(store, "k/late", NULL));
    /* sequence continues above the last */
    CHECK(xgc_store_set(store, NULL, 0, "k/new", "n", 1, 0, 1, &seq) == 1);
    CHECK(seq == 1002);
    xgc_store_destroy(&store);
}

XGC_TEST(torn_last_record_ignored)
{
    s_fresh_dir();
    xgc_store_t *store = s_open();
    CHECK(store);
    uint64_t seq;
    CHECK(xgc_store_set(store, "c", 1, "a", "1", 1, 0, 1, &seq) == 1);
    CHECK(xgc_store_set(store, "c", 2, "b", "2", 1, 0, 1, &seq) == 1);
    CHECK(xgc_store_sync(store) == 0);
    uint64_t good = xgc_store_journal_bytes(store);
    CHECK(xgc_store_set(store, "c", 3, "c", "3", 1, 0, 1, &seq) == 1);
    CHECK(xgc_store_sync(store) == 0);
    xgc_store_destroy(&store);

    /* cut the last record in the middle, as a crash during write would */
    char path[128];
    snprintf(path, sizeof path, "%s/journal", s_dir);
    CHECK(truncate(path, good + 10) == 0);
    store = s_open();
    CHECK(store);
    CHECK(xgc_store_torn_bytes(store) == 10);
    CHECK(s_value_is(store, "a", "1") && s_value_is(store, "b", "2"));
    CHECK(!xgc_store_get(store, "c", NULL));
    CHECK(xgc_store_seq(store) == 2);
    /* appending after the cut is readable again */
    CHECK(xgc_store_set(store, "c", 3, "c", "33", 2, 0, 1, &seq) == 1);
    CHECK(xgc_store_sync(store) == 0);
    xgc_store_destroy(&store);

    /* a corrupt byte inside the last record: it is dropped, not the rest */
    int fd = open(path, O_WRONLY);
    CHECK(fd >= 0);
    CHECK(pwrite(fd, "Z", 1, good + 20) == 1);
    close(fd);
    store = s_open();
    CHECK(store);
    CHECK(s_value_is(store, "b", "2"));
    CHECK(!xgc_store_get(store, "c", NULL));
    xgc_store_destroy(&store);
}

XGC_TEST(compaction)
{
    s_fresh_dir();
    xgc_store_t *store = s_open();
    CHECK(store);
    uint64_t seq;
    for (int i = 0; i < 100; i++)               /* 100 overwrites of one key */
        CHECK(xgc_store_set(store, "c", i + 1, "hot", &i, sizeof i, 0, 5, &seq) == 1);
    CHECK(xgc_store_set(store, "c", 101, "cold", "c", 1, 0, 5, &seq) == 1);
    CHECK(xgc_store_del(store, "c", 102, "cold", 5, &seq) == 1);
    CHECK(xgc_store_compact(store, 10, 1000) == 0);
    CHECK(xgc_store_journal_bytes(store) == 0);
    CHECK(xgc_store_set(store, "d", 1, "after", "a", 1, 0, 10, &seq) == 1);
    CHECK(seq == 103);
    CHECK(xgc_store_sync(store) == 0);
    xgc_store_destroy(&store);

    store = s_open();
    CHECK(store);
    CHECK(xgc_store_size(store) == 2);
    CHECK(xgc_store_seq(store) == 103);
    xgc_store_item_t item;
    CHECK(xgc_store_get(store, "hot", &item) && item.seq == 100);
    CHECK(*(const int *)item.value == 99);
    CHECK(s_value_is(store, "after", "a"));
    /* the writer table survived compaction: a resent write is a duplicate */
    CHECK(xgc_store_set(store, "c", 101, "cold", "c", 1, 0, 20, &seq)
          == XGC_STORE_DUPLICATE);
    CHECK(xgc_store_writers(store) == 2);
    /* a writer not heard from for longer than forget_ms is dropped */
    CHECK(xgc_store_compact(store, 5000, 1000) == 0);
    CHECK(xgc_store_writers(store) == 2);       /* in memory until reopen */
    xgc_store_destroy(&store);
    store = s_open();
    CHECK(store);
    CHECK(xgc_store_writers(store) == 1);      /* "d", replayed: seen at 5000 */
    CHECK(xgc_store_size(store) == 2);
    xgc_store_destroy(&store);
}

XGC_TEST(writer_dedup_and_order)
{
    s_fresh_dir();
    xgc_store_t *store = s_open();
    CHECK(store);
    uint64_t seq = 0;
    CHECK(xgc_store_set(store, "w", 5, "k", "a", 1, 0, 1, &seq) == XGC_STORE_APPLIED);
    CHECK(xgc_store_set(store, "w", 5, "k", "b", 1, 0, 1, &seq) == XGC_STORE_DUPLICATE);
    CHECK(xgc_store_set(store, "w", 7, "k", "c", 1, 0, 1, &seq) == XGC_STORE_OUT_OF_ORDER);
    CHECK(xgc_store_del(store, "w", 4, "k", 1, &seq) == XGC_STORE_DUPLICATE);
    CHECK(s_value_is(store, "k", "a"));
    CHECK(xgc_store_seq(store) == 1);
    CHECK(xgc_store_pending(store) == 1);
    CHECK(xgc_store_sync(store) == 0);
    xgc_store_destroy(&store);
    store = s_open();
    CHECK(store);
    CHECK(xgc_store_set(store, "w", 5, "k", "b", 1, 0, 1, &seq) == XGC_STORE_DUPLICATE);
    CHECK(xgc_store_set(store, "w", 6, "k", "b", 1, 0, 1, &seq) == XGC_STORE_APPLIED);
    xgc_store_destroy(&store);
}

int main(void)
{
    XGC_TEST_RUN(replay_after_sync);
    XGC_TEST_RUN(torn_last_record_ignored);
    XGC_TEST_RUN(compaction);
    XGC_TEST_RUN(writer_dedup_and_order);
    s_fresh_dir();
    return XGC_TEST_END();
}
