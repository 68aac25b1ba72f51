/* xgc_log — one way for every component to say what it does.
 *
 * A line is: time, level, component[pid], message, then context as
 * key=value pairs, e.g.
 *   2026-11-26T14:02:03.120Z info  pmd[812] vm created vm=web1 host=pm2 ms=4012
 * Callers write the message first and the context after it in one printf
 * format: xgc_log_info("vm created vm=%s host=%s", vm, host). Fixed context
 * for the whole process (host=pm2) is given once to xgc_log_init.
 *
 * Output goes to stderr, or a file (appended). The level comes from, in
 * order: xgc_log_set_level, else the environment (XGC_LOG=debug|info|warn|
 * error), else info. A hook can copy lines elsewhere (e.g. `log.<component>`
 * events on the bus). Process-wide state, thread-safe for writing lines.
 *
 * The rate limiter (xgc_ratelimit_t) is pure: the caller passes the time.
 */
#ifndef XGC_LOG_H
#define XGC_LOG_H

#include <stdbool.h>
#include <stdint.h>

typedef enum { XGC_LOG_ERROR, XGC_LOG_WARN, XGC_LOG_INFO, XGC_LOG_DEBUG } xgc_log_level_t;

/* Component name (e.g. "broker") and fixed context ("host=pm1", or NULL).
 * Reads XGC_LOG. May be called again to change them. */
void xgc_log_init(const char *component, const char *context);

/* Level by name: "error", "warn", "info", "debug". Returns 0, or -1 if the
 * name is unknown (level unchanged). */
int xgc_log_set_level_name(const char *name);
void xgc_log_set_level(xgc_log_level_t level);
xgc_log_level_t xgc_log_level(void);
bool xgc_log_enabled(xgc_log_level_t level);
const char *xgc_log_level_name(xgc_log_level_t level);

/* Append to `path` instead of stderr (NULL: back to stderr). 0 or -1. */
int xgc_log_open_file(const char *path);

/* Called for every line written (after filtering by level), with the text
 * after the component, i.e. "message k=v ...". NULL removes it. The hook
 * must not log. */
typedef void (xgc_log_hook_fn)(xgc_log_level_t level, const char *component,
                               const char *text, void *arg);
void xgc_log_set_hook(xgc_log_hook_fn *hook, void *arg);

void xgc_log_write(xgc_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define xgc_log_error(...) xgc_log_write(XGC_LOG_ERROR, __VA_ARGS__)
#define xgc_log_warn(...)  xgc_log_write(XGC_LOG_WARN, __VA_ARGS__)
#define xgc_log_info(...)  xgc_log_write(XGC_LOG_INFO, __VA_ARGS__)
#define xgc_log_debug(...) xgc_log_write(XGC_LOG_DEBUG, __VA_ARGS__)

/* At most `burst` events per `window_ms`; the rest are counted. */
typedef struct {
    int64_t window_ms;
    int burst;
    int64_t window_start_ms;
    int used;                    /* events allowed in this window */
    uint64_t suppressed;         /* refused since the last allowed one */
} xgc_ratelimit_t;

void xgc_ratelimit_init(xgc_ratelimit_t *rl, int burst, int64_t window_ms);
/* true if an event at now_ms may be logged; then *suppressed (if not NULL)
 * is the number refused since the previous allowed one, and is reset. */
bool xgc_ratelimit_allow(xgc_ratelimit_t *rl, int64_t now_ms, uint64_t *suppressed);

/* Log through a rate limiter (monotonic clock), adding "suppressed=N" when
 * lines were dropped before this one. */
void xgc_log_limited_write(xgc_ratelimit_t *rl, xgc_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Milliseconds: wall clock (epoch) and monotonic. */
int64_t xgc_log_now_ms(void);
int64_t xgc_log_mono_ms(void);

#endif
