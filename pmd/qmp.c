/* qmp — see qmp.h. QEMU writes one JSON object per line; we keep a small
 * receive buffer, cut it at newlines and classify each line. Commands are
 * sent one at a time, so the first RETURN or ERROR line after a command is
 * its answer; events in between are dropped (the driver polls state
 * instead of following events, which keeps it restartable). */
#include "pmd/qmp.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define QMP_BUF_MAX (1 << 20)    /* longest line we accept from QEMU */

struct _xgc_qmp_t {
    int fd;
    char *buf;                   /* received, not yet consumed bytes */
    size_t len, cap;
};

static long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

xgc_qmp_line_t xgc_qmp_parse_line(const char *line, json_t **value, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loads(line, 0, &jerr);
    xgc_qmp_line_t kind = XGC_QMP_LINE_INVALID;
    if (value)
        *value = NULL;
    if (!root || !json_is_object(root)) {
        snprintf(err, errlen, "qmp: bad line from qemu: %s", root ? "not an object" : jerr.text);
        json_decref(root);
        return kind;
    }
    json_t *ret = json_object_get(root, "return");
    json_t *error = json_object_get(root, "error");
    if (ret) {
        kind = XGC_QMP_LINE_RETURN;
        if (value)
            *value = json_incref(ret);
    }
    else if (error) {
        kind = XGC_QMP_LINE_ERROR;
        const char *cls = json_string_value(json_object_get(error, "class"));
        const char *desc = json_string_value(json_object_get(error, "desc"));
        snprintf(err, errlen, "%s: %s", cls ? cls : "Error", desc ? desc : "(no description)");
    }
    else if (json_object_get(root, "event"))
        kind = XGC_QMP_LINE_EVENT;
    else if (json_object_get(root, "QMP"))
        kind = XGC_QMP_LINE_GREETING;
    else
        snprintf(err, errlen, "qmp: unexpected line from qemu: %.80s", line);
    json_decref(root);
    return kind;
}

void xgc_qmp_migration_parse(const json_t *reply, xgc_migration_t *out)
{
    memset(out, 0, sizeof *out);
    out->total_time_ms = out->downtime_ms = out->transferred_bytes = -1;
    const char *status = json_string_value(json_object_get(reply, "status"));
    if (!status) {
        out->state = XGC_MIGRATION_NONE;
        return;
    }
    snprintf(out->status, sizeof out->status, "%s", status);
    if (strcmp(status, "completed") == 0)
        out->state = XGC_MIGRATION_COMPLETED;
    else if (strcmp(status, "failed") == 0 || strcmp(status, "cancelled") == 0) {
        out->state = XGC_MIGRATION_FAILED;
        const char *desc = json_string_value(json_object_get(reply, "error-desc"));
        snprintf(out->error, sizeof out->error, "%s", desc ? desc : status);
    }
    else
        out->state = XGC_MIGRATION_ACTIVE;
    json_t *t = json_object_get(reply, "total-time");
    json_t *d = json_object_get(reply, "downtime");
    json_t *ram = json_object_get(reply, "ram");
    json_t *x = ram ? json_object_get(ram, "transferred") : NULL;
    if (json_is_integer(t)) out->total_time_ms = (long)json_integer_value(t);
    if (json_is_integer(d)) out->downtime_ms = (long)json_integer_value(d);
    if (json_is_integer(x)) out->transferred_bytes = (long)json_integer_value(x);
}

/* Next complete line from QEMU into *line (caller frees), waiting until
 * deadline (monotonic ms). 0, or -1 with err set. */
static int s_read_line(xgc_qmp_t *self, char **line, long deadline, char *err, size_t errlen)
{
    for (;;) {
        char *nl = self->len ? memchr(self->buf, '\n', self->len) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - self->buf);
            *line = strndup(self->buf, n);
            memmove(self->buf, nl + 1, self->len - n - 1);
            self->len -= n + 1;
            return *line ? 0 : -1;
        }
        if (self->len + 4096 > self->cap) {
            if (self->cap >= QMP_BUF_MAX) {
                snprintf(err, errlen, "qmp: line from qemu longer than %d bytes", QMP_BUF_MAX);
                return -1;
            }
            size_t cap = self->cap ? self->cap * 2 : 8192;
            char *buf = realloc(self->buf, cap);
            if (!buf) {
                snprintf(err, errlen, "qmp: out of memory");
                return -1;
            }
            self->buf = buf, self->cap = cap;
        }
        long wait = deadline - s_now_ms();
        struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
        int rc = wait > 0 ? poll(&pfd, 1, (int)wait) : 0;
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0) {
            snprintf(err, errlen, "qmp: %s", rc == 0 ? "timed out waiting for qemu" : strerror(errno));
            return -1;
        }
        ssize_t got = read(self->fd, self->buf + self->len, self->cap - self->len);
        if (got <= 0) {
            snprintf(err, errlen, "qmp: qemu closed the connection%s%s",
                     got < 0 ? ": " : "", got < 0 ? strerror(errno) : "");
            return -1;
        }
        self->len += (size_t)got;
    }
}

/* Wait for the answer to the command just sent. */
static json_t *s_wait_answer(xgc_qmp_t *self, long deadline, char *err, size_t errlen)
{
    for (;;) {
        char *line = NULL;
        if (s_read_line(self, &line, deadline, err, errlen) != 0)
            return NULL;
        json_t *value = NULL;
        xgc_qmp_line_t kind = xgc_qmp_parse_line(line, &value, err, errlen);
        free(line);
        if (kind == XGC_QMP_LINE_RETURN)
            return value;
        if (kind == XGC_QMP_LINE_ERROR || kind == XGC_QMP_LINE_INVALID)
            return NULL;
        /* events and greetings: keep reading */
    }
}

/* send(), not write(): a qemu that went away must give EPIPE, not a
 * SIGPIPE that would end the pmd. */
static int s_write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n, len -= (size_t)n;
    }
    return 0;
}

json_t *xgc_qmp_execute(xgc_qmp_t *self, const char *command, json_t *args,
                        int timeout_ms, char *err, size_t errlen)
{
    json_t *msg = json_pack("{s:s}", "execute", command);
    if (args)
        json_object_set_new(msg, "arguments", args);
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text) {
        snprintf(err, errlen, "qmp: cannot encode %s", command);
        return NULL;
    }
    int rc = s_write_all(self->fd, text, strlen(text));
    if (rc == 0)
        rc = s_write_all(self->fd, "\n", 1);
    free(text);
    if (rc != 0) {
        snprintf(err, errlen, "qmp: sending %s: %s", command, strerror(errno));
        return NULL;
    }
    return s_wait_answer(self, s_now_ms() + timeout_ms, err, errlen);
}

int xgc_qmp_run(xgc_qmp_t *self, const char *command, json_t *args,
                int timeout_ms, char *err, size_t errlen)
{
    json_t *ret = xgc_qmp_execute(self, command, args, timeout_ms, err, errlen);
    json_decref(ret);
    return ret ? 0 : -1;
}

/* QEMU speaks first: {"QMP": {...}}. */
static int s_greeting(xgc_qmp_t *self, const char *path, long deadline, char *err, size_t errlen)
{
    char *line = NULL;
    if (s_read_line(self, &line, deadline, err, errlen) != 0)
        return -1;
    xgc_qmp_line_t kind = xgc_qmp_parse_line(line, NULL, err, errlen);
    free(line);
    if (kind == XGC_QMP_LINE_GREETING)
        return 0;
    snprintf(err, errlen, "qmp: %s: no QMP greeting from qemu", path);
    return -1;
}

static int s_connect(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0)
        return fd;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

xgc_qmp_t *xgc_qmp_connect(const char *path, int timeout_ms, char *err, size_t errlen)
{
    long deadline = s_now_ms() + timeout_ms;
    int fd;
    while ((fd = s_connect(path)) < 0) {
        if (errno == ENAMETOOLONG || s_now_ms() >= deadline) {
            snprintf(err, errlen, "qmp: connect %s: %s", path, strerror(errno));
            return NULL;
        }
        usleep(20 * 1000);
    }
    xgc_qmp_t *self = calloc(1, sizeof *self);
    if (!self) {
        close(fd);
        snprintf(err, errlen, "qmp: out of memory");
        return NULL;
    }
    self->fd = fd;
    if (s_greeting(self, path, deadline, err, errlen) != 0
        || xgc_qmp_run(self, "qmp_capabilities", NULL, (int)(deadline - s_now_ms()), err, errlen) != 0) {
        xgc_qmp_destroy(&self);
        return NULL;
    }
    return self;
}

void xgc_qmp_destroy(xgc_qmp_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    xgc_qmp_t *self = *self_p;
    close(self->fd);
    free(self->buf);
    free(self);
    *self_p = NULL;
}
