/* qmp — a small client for QEMU's machine protocol (QMP), enough for the
 * qemu driver: connect to a VM's unix socket, negotiate, run one command at
 * a time and get its "return" value, ignoring the asynchronous events QEMU
 * sends in between. JSON through jansson.
 *
 * The parsing of QEMU's lines and of query-migrate answers is pure and
 * exposed (xgc_qmp_parse_line, xgc_qmp_migration_parse) so that it is unit
 * tested without a QEMU.
 */
#ifndef XGC_QMP_H
#define XGC_QMP_H

#include <stddef.h>
#include <jansson.h>

typedef struct _xgc_qmp_t xgc_qmp_t;

/* Connect to the QMP socket at path, retrying while QEMU has not created it
 * yet, for up to timeout_ms; read the greeting and leave negotiation mode.
 * NULL with a reason in err on failure. */
xgc_qmp_t *xgc_qmp_connect(const char *path, int timeout_ms, char *err, size_t errlen);
void xgc_qmp_destroy(xgc_qmp_t **self_p);

/* Run command with args (a JSON object, stolen; may be NULL) and wait up to
 * timeout_ms for its answer. Returns the "return" value (a new reference the
 * caller json_decref's) or NULL with QEMU's error class and description, or
 * the I/O failure, in err. */
json_t *xgc_qmp_execute(xgc_qmp_t *self, const char *command, json_t *args,
                        int timeout_ms, char *err, size_t errlen);

/* The same, for commands whose answer is not needed: 0 or -1 (err set). */
int xgc_qmp_run(xgc_qmp_t *self, const char *command, json_t *args,
                int timeout_ms, char *err, size_t errlen);

/* --- pure helpers ------------------------------------------------------ */

typedef enum {
    XGC_QMP_LINE_RETURN,     /* {"return": ...}: *value is the return value */
    XGC_QMP_LINE_ERROR,      /* {"error": {...}}: err holds class: desc */
    XGC_QMP_LINE_EVENT,      /* {"event": ...}: nothing to do */
    XGC_QMP_LINE_GREETING,   /* {"QMP": ...} */
    XGC_QMP_LINE_INVALID     /* not JSON or none of the above: err says why */
} xgc_qmp_line_t;

/* Classify one line QEMU sent. *value gets a new reference for RETURN. */
xgc_qmp_line_t xgc_qmp_parse_line(const char *line, json_t **value, char *err, size_t errlen);

typedef enum {
    XGC_MIGRATION_NONE,      /* no migration yet (empty answer) */
    XGC_MIGRATION_ACTIVE,    /* setup, active, device, pre-switchover ... */
    XGC_MIGRATION_COMPLETED,
    XGC_MIGRATION_FAILED     /* failed or cancelled: error holds the reason */
} xgc_migration_state_t;

typedef struct {
    xgc_migration_state_t state;
    char status[32];         /* QEMU's word, e.g. "active" */
    char error[256];         /* error-desc when failed */
    long total_time_ms;      /* -1 when not reported */
    long downtime_ms;
    long transferred_bytes;
} xgc_migration_t;

/* Read the answer of query-migrate (the "return" object). */
void xgc_qmp_migration_parse(const json_t *reply, xgc_migration_t *out);

#endif
