/* Unit tests of common/xgc_log: line format, levels (and XGC_LOG), the
 * file sink, the hook, and the rate limiter. */
#include <stdlib.h>
#include <unistd.h>

#include "xgc_log.h"
#include "xgc_test.h"

static char s_hooked[512];
static int s_hook_calls;

static void s_hook(xgc_log_level_t level, const char *component, const char *text, void *arg)
{
    (void)arg;
    s_hook_calls++;
    snprintf(s_hooked, sizeof s_hooked, "%s %s %s", xgc_log_level_name(level), component, text);
}

/* Everything logged to a temporary file, read back. */
static char *s_slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return buf;
}

XGC_TEST(lines_levels_file_and_hook)
{
    char path[] = "/tmp/xgc-test-log-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    setenv("XGC_LOG", "warn", 1);
    xgc_log_init("pmd", "host=pm1");
    CHECK(xgc_log_level() == XGC_LOG_WARN);
    CHECK(xgc_log_open_file(path) == 0);
    xgc_log_set_hook(s_hook, NULL);
    xgc_log_info("not shown vm=%s", "a");
    xgc_log_warn("vm failed vm=%s code=%d", "web", 7);
    CHECK(s_hook_calls == 1);
    CHECK_STR(s_hooked, "warn pmd vm failed vm=web code=7 host=pm1");
    CHECK(xgc_log_set_level_name("debug") == 0);
    CHECK(xgc_log_set_level_name("loud") < 0);
    CHECK(xgc_log_enabled(XGC_LOG_DEBUG));
    xgc_log_debug("details n=%d", 3);
    xgc_log_set_hook(NULL, NULL);
    CHECK(xgc_log_open_file(NULL) == 0);
    char *text = s_slurp(path);
    unlink(path);
    CHECK(strstr(text, "not shown") == NULL);
    char *warn = strstr(text, " warn  pmd[");
    CHECK(warn && strstr(warn, "] vm failed vm=web code=7 host=pm1\n"));
    CHECK(strstr(text, " debug pmd[") && strstr(text, "details n=3 host=pm1\n"));
    /* "2026-11-26T14:02:03.120Z " */
    CHECK(strlen(text) > 25 && text[10] == 'T' && text[23] == 'Z' && text[24] == ' ');
    unsetenv("XGC_LOG");
    xgc_log_init("xgc", NULL);
}

XGC_TEST(rate_limiter)
{
    xgc_ratelimit_t rl;
    uint64_t dropped = 99;
    xgc_ratelimit_init(&rl, 3, 1000);
    CHECK(xgc_ratelimit_allow(&rl, 5000, &dropped) && dropped == 0);
    CHECK(xgc_ratelimit_allow(&rl, 5001, &dropped));
    CHECK(xgc_ratelimit_allow(&rl, 5002, &dropped));
    for (int i = 0; i < 10; i++)
        CHECK(!xgc_ratelimit_allow(&rl, 5500, &dropped));
    CHECK(xgc_ratelimit_allow(&rl, 6000, &dropped) && dropped == 10);
    CHECK(xgc_ratelimit_allow(&rl, 6001, &dropped) && dropped == 0);
    CHECK(xgc_ratelimit_allow(&rl, 100, &dropped));   /* clock went back: new window */
    /* Through the logger: 2 lines then silence, then a note of what was dropped. */
    xgc_ratelimit_init(&rl, 2, 60000);
    s_hook_calls = 0;
    xgc_log_set_hook(s_hook, NULL);
    for (int i = 0; i < 5; i++)
        xgc_log_limited_write(&rl, XGC_LOG_ERROR, "bad frame n=%d", i);
    CHECK(s_hook_calls == 2);
    rl.window_start_ms -= 60000;                      /* pretend a minute passed */
    xgc_log_limited_write(&rl, XGC_LOG_ERROR, "bad frame n=%d", 5);
    xgc_log_set_hook(NULL, NULL);
    CHECK(s_hook_calls == 3);
    CHECK(strstr(s_hooked, "bad frame n=5 suppressed=3"));
}

int main(void)
{
    XGC_TEST_RUN(lines_levels_file_and_hook);
    XGC_TEST_RUN(rate_limiter);
    return XGC_TEST_END();
}
