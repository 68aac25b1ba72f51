/* xlmig — the live-migration handshake of `xl migrate`, as a pure state
 * machine (no I/O, no clock), shared by the xl driver (where libxl writes
 * and reads the domain stream) and the sim driver (where the stream is a
 * short record sent after the simulated copy time).
 *
 * On one TCP connection from the source pmd to the destination pmd, exactly
 * as xl does it over ssh (tools/xl/xl_migrate.c; strings from xl.h):
 *
 *   receiver -> sender  banner "xl migration receiver ready, send binary
 *                       domain data.\n"                      (no NUL)
 *   sender   -> recv    the xl save-file header: 32-byte magic, byte order,
 *                       mandatory flags (STREAMv2 | JSON), optional flags,
 *                       optional data = u32 length + the domain config
 *                       (libxl JSON for xl; "key=value;" text for sim)
 *   sender   -> recv    the domain stream (libxl_domain_suspend LIVE /
 *                       the sim record); the receiver restores it paused
 *   receiver -> sender  "domain received, ready to unpause\0"
 *   sender              renames its copy <name>--migratedaway
 *   sender   -> recv    "domain is yours, you are cleared to unpause\0"
 *                       (the point of no return)
 *   receiver            renames to <name>, unpauses
 *   receiver -> sender  "my copy unpause results are as follows\0" + 1 byte
 *                       status (0 = OK); sender destroys its copy on 0,
 *                       resumes it otherwise
 *
 * xl leaves "connection lost after GO" undefined ("CHECK AT BOTH ENDS").
 * xgc resolves it: the sender's copy stays suspended (INDOUBT) and it asks
 * the receiver on a new connection: after the banner it sends
 * "xgc-query <name>\n" instead of a header, and the receiver answers
 * "xgc-answer H\n" (has it, running: destroy yours), "N" (does not: resume
 * yours) or "W" (still receiving it: ask again). The receiver only unpauses
 * after GO, and persists that before reporting, so the answer is final.
 */
#ifndef XGC_PMD_XLMIG_H
#define XGC_PMD_XLMIG_H

#include <stddef.h>
#include <stdint.h>

#define XGC_XLMIG_BANNER  "xl migration receiver ready, send binary domain data.\n"
#define XGC_XLMIG_READY   "domain received, ready to unpause"
#define XGC_XLMIG_GO      "domain is yours, you are cleared to unpause"
#define XGC_XLMIG_REPORT  "my copy unpause results are as follows"
#define XGC_XLMIG_MAGIC_LEN 32
#define XGC_XLMIG_BYTEORDER 0x01020304u
#define XGC_XLMIG_FLAG_JSON     (1u << 0)
#define XGC_XLMIG_FLAG_STREAMv2 (1u << 1)
#define XGC_XLMIG_CONFIG_MAX (1u << 20)

extern const char xgc_xlmig_magic[XGC_XLMIG_MAGIC_LEN];

typedef enum {
    XGC_XLMIG_SENDER,        /* the source of a migration */
    XGC_XLMIG_RECEIVER,      /* the destination (one accepted connection) */
    XGC_XLMIG_QUERIER        /* a source resolving an in-doubt migration */
} xgc_xlmig_role_t;

typedef enum {
    XGC_XLMIG_ACT_NONE = 0,      /* nothing to do (maybe bytes to send) */
    XGC_XLMIG_ACT_SEND_STREAM,   /* sender: header queued; send the domain now */
    XGC_XLMIG_ACT_RESTORE,       /* receiver: header read (config()); the
                                    following bytes are the stream: restore */
    XGC_XLMIG_ACT_SWITCH,        /* sender: "ready" read, GO queued: rename
                                    away; point of no return */
    XGC_XLMIG_ACT_DESTROY_LOCAL, /* sender: receiver runs it: destroy ours */
    XGC_XLMIG_ACT_RESUME_LOCAL,  /* sender: failed before GO / bad report /
                                    query answered N: resume ours */
    XGC_XLMIG_ACT_INDOUBT,       /* sender: lost after GO: keep ours
                                    suspended, query later */
    XGC_XLMIG_ACT_UNPAUSE,       /* receiver: GO read: rename, unpause, then
                                    call unpaused() */
    XGC_XLMIG_ACT_DESTROY_INCOMING, /* receiver: failed before GO */
    XGC_XLMIG_ACT_QUERY,         /* receiver: a query for config() (the
                                    name): call answer() */
    XGC_XLMIG_ACT_RETRY_QUERY,   /* querier: answer W or lost: ask later */
    XGC_XLMIG_ACT_CLOSE          /* done: close the connection once the
                                    queued bytes are sent */
} xgc_xlmig_act_t;

typedef enum {
    XGC_XLMIG_S_WAIT_BANNER, XGC_XLMIG_S_STREAMING, XGC_XLMIG_S_WAIT_READY,
    XGC_XLMIG_S_WAIT_REPORT, XGC_XLMIG_S_WAIT_ANSWER,
    XGC_XLMIG_S_WAIT_HEADER, XGC_XLMIG_S_RESTORING, XGC_XLMIG_S_WAIT_GO,
    XGC_XLMIG_S_UNPAUSING,
    XGC_XLMIG_S_DONE, XGC_XLMIG_S_FAILED, XGC_XLMIG_S_INDOUBT
} xgc_xlmig_state_t;

typedef struct xgc_xlmig_t xgc_xlmig_t;

/* A machine for one connection. For SENDER, `payload` is the config to put
 * in the header; for QUERIER, the VM name to ask about; RECEIVER: NULL.
 * The receiver's banner is queued at once. */
xgc_xlmig_t *xgc_xlmig_new(xgc_xlmig_role_t role, const char *payload);
void xgc_xlmig_destroy(xgc_xlmig_t **self_p);

/* Bytes to write to the peer (the caller writes and consumes them). */
const uint8_t *xgc_xlmig_out(const xgc_xlmig_t *self, size_t *len);
void xgc_xlmig_out_consume(xgc_xlmig_t *self, size_t n);

/* Bytes read from the peer. Eats what it understands up to the first
 * action (*consumed says how many); the caller feeds the rest again. In
 * STREAMING/RESTORING the machine eats nothing: the bytes are the stream. */
xgc_xlmig_act_t xgc_xlmig_feed(xgc_xlmig_t *self, const uint8_t *data,
                               size_t len, size_t *consumed);
/* The peer closed the connection or it broke. */
xgc_xlmig_act_t xgc_xlmig_eof(xgc_xlmig_t *self);
/* Sender: the stream was written (ok) or failed; receiver: the restore
 * finished (ok: "ready" is queued) or failed. */
xgc_xlmig_act_t xgc_xlmig_stream_done(xgc_xlmig_t *self, int ok);
/* Receiver: refuse the domain named in the header (not expected, no room):
 * nothing is sent, the connection is closed; the sender resumes. */
xgc_xlmig_act_t xgc_xlmig_refuse(xgc_xlmig_t *self, const char *reason);
/* Receiver: result of the unpause after GO (0 = OK): queues the report. */
xgc_xlmig_act_t xgc_xlmig_unpaused(xgc_xlmig_t *self, int status);
/* Receiver: answer a query: 'H', 'N' or 'W'. */
xgc_xlmig_act_t xgc_xlmig_answer(xgc_xlmig_t *self, char answer);

xgc_xlmig_state_t xgc_xlmig_state(const xgc_xlmig_t *self);
const char *xgc_xlmig_state_name(xgc_xlmig_state_t state);
/* Receiver: the config from the header, or the queried name. */
const char *xgc_xlmig_config(const xgc_xlmig_t *self);
/* Why it failed, "" if it did not. */
const char *xgc_xlmig_reason(const xgc_xlmig_t *self);

/* The save-file header (pure): encode into a malloc'd buffer; decode
 * returns bytes used, 0 if more are needed, -1 (reason in err) if bad. */
uint8_t *xgc_xlmig_header_encode(const char *config, size_t *len);
long xgc_xlmig_header_decode(const uint8_t *buf, size_t len, char **config,
                             char *err, size_t errlen);

/* "key=value;key=value" config text of the sim driver (pure): the value of
 * key, copied into out; 0 or -1 if absent. */
int xgc_xlmig_kv_get(const char *text, const char *key, char *out, size_t outlen);

#endif
