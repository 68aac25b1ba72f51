/* xgc_log — see xgc_log.h. One process-wide sink (stderr or a file) behind
 * a mutex; each line is formatted in full first and written with a single
 * fwrite so that lines from several threads never interleave. */
#include "xgc_log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define S_LINE_MAX 2048

static const char *const s_level_names[] = {"error", "warn", "info", "debug"};

static struct {
    pthread_mutex_t lock;
    char component[64];
    char context[256];
    xgc_log_level_t level;
    FILE *file;                  /* NULL: stderr */
    xgc_log_hook_fn *hook;
    void *hook_arg;
} s_log = {PTHREAD_MUTEX_INITIALIZER, "xgc", "", XGC_LOG_INFO, NULL, NULL, NULL};

static int s_level_of(const char *name, xgc_log_level_t *out)
{
    for (int i = 0; name && i < 4; i++)
        if (strcasecmp(name, s_level_names[i]) == 0) {
            *out = (xgc_log_level_t)i;
            return 0;
        }
    return -1;
}

void xgc_log_init(const char *component, const char *context)
{
    pthread_mutex_lock(&s_log.lock);
    snprintf(s_log.component, sizeof s_log.component, "%s", component ? component : "xgc");
    snprintf(s_log.context, sizeof s_log.context, "%s", context ? context : "");
    s_level_of(getenv("XGC_LOG"), &s_log.level);
    pthread_mutex_unlock(&s_log.lock);
}

int xgc_log_set_level_name(const char *name)
{
    xgc_log_level_t level;
    if (s_level_of(name, &level) < 0)
        return -1;
    xgc_log_set_level(level);
    return 0;
}

void xgc_log_set_level(xgc_log_level_t level)
{
    if (level >= XGC_LOG_ERROR && level <= XGC_LOG_DEBUG)
        s_log.level = level;
}

xgc_log_level_t xgc_log_level(void) { return s_log.level; }
bool xgc_log_enabled(xgc_log_level_t level) { return level <= s_log.level; }

const char *xgc_log_level_name(xgc_log_level_t level)
{
    return level >= XGC_LOG_ERROR && level <= XGC_LOG_DEBUG ? s_level_names[level] : "?";
}

int xgc_log_open_file(const char *path)
{
    FILE *file = NULL;
    if (path && !(file = fopen(path, "a")))
        return -1;
    if (file)
        setvbuf(file, NULL, _IOLBF, 0);
    pthread_mutex_lock(&s_log.lock);
    if (s_log.file)
        fclose(s_log.file);
    s_log.file = file;
    pthread_mutex_unlock(&s_log.lock);
    return 0;
}

void xgc_log_set_hook(xgc_log_hook_fn *hook, void *arg)
{
    pthread_mutex_lock(&s_log.lock);
    s_log.hook = hook;
    s_log.hook_arg = arg;
    pthread_mutex_unlock(&s_log.lock);
}

int64_t xgc_log_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t xgc_log_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_write(xgc_log_level_t level, const char *fmt, va_list args, const char *suffix)
{
    char text[S_LINE_MAX], line[S_LINE_MAX + 512], stamp[32];
    int n = vsnprintf(text, sizeof text, fmt, args);
    if (n < 0)
        snprintf(text, sizeof text, "(bad log format)");
    int64_t now = xgc_log_now_ms();
    time_t secs = (time_t)(now / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    pthread_mutex_lock(&s_log.lock);
    if (s_log.context[0]) {      /* fixed context goes after the caller's */
        size_t len = strlen(text);
        snprintf(text + len, sizeof text - len, " %s", s_log.context);
    }
    if (suffix) {
        size_t len = strlen(text);
        snprintf(text + len, sizeof text - len, " %s", suffix);
    }
    int len = snprintf(line, sizeof line, "%s.%03dZ %-5s %s[%d] %s\n", stamp,
                       (int)(now % 1000), s_level_names[level], s_log.component,
                       (int)getpid(), text);
    if (len >= (int)sizeof line) {
        len = (int)sizeof line - 1;
        line[len - 1] = '\n';
    }
    fwrite(line, 1, (size_t)len, s_log.file ? s_log.file : stderr);
    if (s_log.hook)
        s_log.hook(level, s_log.component, text, s_log.hook_arg);
    pthread_mutex_unlock(&s_log.lock);
}

void xgc_log_write(xgc_log_level_t level, const char *fmt, ...)
{
    if (!xgc_log_enabled(level) || level < XGC_LOG_ERROR)
        return;
    va_list args;
    va_start(args, fmt);
    s_write(level, fmt, args, NULL);
    va_end(args);
}

void xgc_ratelimit_init(xgc_ratelimit_t *rl, int burst, int64_t window_ms)
{
    memset(rl, 0, sizeof *rl);
    rl->burst = burst > 0 ? burst : 1;
    rl->window_ms = window_ms > 0 ? window_ms : 1;
    rl->window_start_ms = INT64_MIN;
}

bool xgc_ratelimit_allow(xgc_ratelimit_t *rl, int64_t now_ms, uint64_t *suppressed)
{
    if (rl->window_start_ms == INT64_MIN || now_ms - rl->window_start_ms >= rl->window_ms
        || now_ms < rl->window_start_ms) {
        rl->window_start_ms = now_ms;
        rl->used = 0;
    }
    if (rl->used >= rl->burst) {
        rl->suppressed++;
        return false;
    }
    rl->used++;
    if (suppressed)
        *suppressed = rl->suppressed;
    rl->suppressed = 0;
    return true;
}

void xgc_log_limited_write(xgc_ratelimit_t *rl, xgc_log_level_t level, const char *fmt, ...)
{
    uint64_t dropped = 0;
    if (!xgc_log_enabled(level) || !xgc_ratelimit_allow(rl, xgc_log_mono_ms(), &dropped))
        return;
    char suffix[48];
    snprintf(suffix, sizeof suffix, "suppressed=%llu", (unsigned long long)dropped);
    va_list args;
    va_start(args, fmt);
    s_write(level, fmt, args, dropped ? suffix : NULL);
    va_end(args);
}
