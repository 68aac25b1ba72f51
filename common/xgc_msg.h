/* xgc_msg — the msgpack codec of everything that travels on the bus.
 *
 * Three layers:
 *  1. A safe decoder of untrusted bytes into a msgpack object tree. msgpack-c
 *     allocates arrays and maps from their declared counts before reading
 *     them, so every frame is first walked by a validator that allocates
 *     nothing: each declared count and length must fit in the bytes that
 *     remain, nesting is limited, and one object must fill the frame exactly.
 *     Only then does msgpack-c build the tree, whose size is then bounded by
 *     a small multiple of the frame's size.
 *  2. An encoder for maps with string keys (and arrays) that counts the
 *     elements itself, so a map header can never disagree with its content.
 *  3. Typed encode/decode of every value and event of the contract
 *     (xgc_model.h, xgc_state.h): a map with "v": 1 and one key per field,
 *     named as the struct member. Decoders ignore unknown keys, refuse a
 *     missing required key or a wrong type naming the field, and refuse a
 *     string longer than its buffer. docs/protocol.md lists every schema.
 *
 * Errors: functions return 0 or -1; with an `err` buffer they write a reason
 * ("<type>: field 'x': reason" for typed decoders). Bad input never crashes.
 */
#ifndef XGC_MSG_H
#define XGC_MSG_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xgc_model.h"
#include "xgc_state.h"

#define XGC_MSG_VERSION 1        /* the "v" of every value */
#define XGC_MSG_MAX_DEPTH 16     /* nested arrays/maps in one frame */

/* ---- 1. Decoding untrusted bytes ------------------------------------- */

/* Check that data[0..size) holds exactly one well-formed msgpack object,
 * nested at most XGC_MSG_MAX_DEPTH containers deep. Allocates nothing;
 * linear time. Returns 0, or -1 with a reason (and byte offset) in err. */
int xgc_msg_validate(const void *data, size_t size, char *err, size_t errlen);

/* A decoded frame: owns a copy of the bytes and the object tree. */
typedef struct _xgc_msg_t xgc_msg_t;

/* Validate then decode. Returns NULL with a reason in err on any problem
 * (never crashes; memory used is O(size)). */
xgc_msg_t *xgc_msg_decode(const void *data, size_t size, char *err, size_t errlen);
void xgc_msg_destroy(xgc_msg_t **self_p);
/* The root object; valid until xgc_msg_destroy. */
const msgpack_object *xgc_msg_root(const xgc_msg_t *self);

/* Lookup in a map object by string key (length-aware): the value or NULL
 * (also NULL when obj is not a map). */
const msgpack_object *xgc_msg_map_get(const msgpack_object *map, const char *key);

/* Typed reads of map[key]. When the key is absent: -1 "field 'key':
 * missing" if required, else 0 with *out unchanged (so set defaults first).
 * Wrong type → -1 naming the field. Numbers: a double accepts any integer
 * or float (finite only); an int64 accepts integers, and floats that are
 * whole and in range. A string must be shorter than outlen, without NUL. */
int xgc_msg_read_str(const msgpack_object *map, const char *key, bool required,
                     char *out, size_t outlen, char *err, size_t errlen);
int xgc_msg_read_double(const msgpack_object *map, const char *key, bool required,
                        double *out, char *err, size_t errlen);
int xgc_msg_read_int64(const msgpack_object *map, const char *key, bool required,
                       int64_t *out, char *err, size_t errlen);
int xgc_msg_read_bool(const msgpack_object *map, const char *key, bool required,
                      bool *out, char *err, size_t errlen);

/* ---- 2. Encoding ------------------------------------------------------ */

/* An encoder: use on the stack; fields are private. Every call after a
 * failure (out of memory, a key where a value is due, unbalanced begin/end,
 * nesting beyond XGC_MSG_MAX_DEPTH) is ignored and finish returns -1. */
typedef struct {
    msgpack_sbuffer buf;
    msgpack_packer pk;
    int depth;
    bool failed;
    bool done;                   /* a complete top-level value was written */
    struct {
        size_t offset;           /* where the header goes */
        uint32_t count;          /* elements (arrays) or pairs (maps) */
        bool is_map, want_value;
    } stack[XGC_MSG_MAX_DEPTH];
} xgc_msg_enc_t;

void xgc_msg_enc_init(xgc_msg_enc_t *enc);
/* Containers: the count in the header is filled in at the end. */
void xgc_msg_enc_map_begin(xgc_msg_enc_t *enc);
void xgc_msg_enc_map_end(xgc_msg_enc_t *enc);
void xgc_msg_enc_array_begin(xgc_msg_enc_t *enc);
void xgc_msg_enc_array_end(xgc_msg_enc_t *enc);
/* A key of the current map; the next call writes its value. */
void xgc_msg_enc_key(xgc_msg_enc_t *enc, const char *key);
/* Values (an element of an array, the value of a key, or the top value). */
void xgc_msg_enc_str(xgc_msg_enc_t *enc, const char *value);
void xgc_msg_enc_strn(xgc_msg_enc_t *enc, const char *value, size_t len);
void xgc_msg_enc_int(xgc_msg_enc_t *enc, int64_t value);
void xgc_msg_enc_uint(xgc_msg_enc_t *enc, uint64_t value);
void xgc_msg_enc_double(xgc_msg_enc_t *enc, double value);
void xgc_msg_enc_bool(xgc_msg_enc_t *enc, bool value);
void xgc_msg_enc_nil(xgc_msg_enc_t *enc);
void xgc_msg_enc_bin(xgc_msg_enc_t *enc, const void *data, size_t len);
/* A value that is already msgpack (must be exactly one valid object). */
void xgc_msg_enc_raw(xgc_msg_enc_t *enc, const void *data, size_t len);
/* key + value in one call. */
void xgc_msg_enc_kv_str(xgc_msg_enc_t *enc, const char *key, const char *value);
void xgc_msg_enc_kv_int(xgc_msg_enc_t *enc, const char *key, int64_t value);
void xgc_msg_enc_kv_double(xgc_msg_enc_t *enc, const char *key, double value);
void xgc_msg_enc_kv_bool(xgc_msg_enc_t *enc, const char *key, bool value);
/* Hand over the bytes (*data to free() by the caller) and reset the
 * encoder. Returns -1 (and frees everything) if any call failed or the
 * value is incomplete. */
int xgc_msg_enc_finish(xgc_msg_enc_t *enc, void **data, size_t *size);
/* Drop an unfinished encoding. */
void xgc_msg_enc_dispose(xgc_msg_enc_t *enc);

/* ---- 3. Typed values and events --------------------------------------- */

/* encode: 0 and a malloc'd buffer (free()), or -1 (out of memory).
 * decode: 0, or -1 with "<type>: field 'x': reason" in err; *out is
 * fully written on success (defaults for absent optional fields), and
 * unspecified on failure. Required fields are listed in docs/protocol.md;
 * optional strings default to "", numbers to 0, except: vm_spec shares 256
 * and utility_max = utility_min, pm_spec driver "sim", metric_vm resp_ms -1.
 * Decoders check types and lengths, not meaning (min ≤ max etc.): use
 * xgc_vm_spec_validate / xgc_pm_spec_validate for that. */
#define XGC_MSG_CODEC(name, type)                                                  \
    int xgc_msg_##name##_encode(const type *value, void **data, size_t *size);     \
    int xgc_msg_##name##_decode(const void *data, size_t size, type *out,          \
                                char *err, size_t errlen);                         \
    int xgc_msg_##name##_from_object(const msgpack_object *obj, type *out,         \
                                     char *err, size_t errlen)

XGC_MSG_CODEC(vm_spec, xgc_vm_spec_t);        /* vm/<name>/spec */
XGC_MSG_CODEC(pm_spec, xgc_pm_spec_t);        /* pm/<host>/info */
XGC_MSG_CODEC(heartbeat, xgc_heartbeat_t);    /* pm/<host>/alive */
XGC_MSG_CODEC(vm_actual, xgc_vm_actual_t);    /* pm/<host>/vm/<vm> */
XGC_MSG_CODEC(plan_entry, xgc_plan_entry_t);  /* plan/<host>/<vm> */
XGC_MSG_CODEC(power_state, xgc_power_state_t);/* pm/<host>/power */
XGC_MSG_CODEC(pm_admin, xgc_pm_admin_t);      /* pm/<host>/admin */
XGC_MSG_CODEC(lease, xgc_lease_t);            /* sched/leader */
XGC_MSG_CODEC(metric_vm, xgc_metric_vm_t);    /* metric.vm.<name> */
XGC_MSG_CODEC(metric_pm, xgc_metric_pm_t);    /* metric.pm.<host> */
XGC_MSG_CODEC(plan_round, xgc_plan_round_t);  /* plan.round */
XGC_MSG_CODEC(cmd, xgc_cmd_t);                /* cmd.<host>.<verb> */
XGC_MSG_CODEC(op, xgc_op_t);                  /* op.<host>.<verb> */

/* log.<component> — {v: 1, level, msg, <context fields>} from a log line's
 * text "message k=v k2=v2" (as xgc_log's hook receives it): the trailing
 * key=value words become string fields (keys [A-Za-z0-9_.-], not "v",
 * "level" or "msg"), the rest is msg. 0, or -1 (out of memory). */
int xgc_msg_log_encode(const char *level, const char *text, void **data, size_t *size);

/* Which typed codec, if any, owns a state key or an event topic:
 * "vm_spec", "pm_spec", ..., or NULL. Useful to tools (`xgc set` checks a
 * value for a known key before writing it). */
const char *xgc_msg_schema_of_key(const char *key);
const char *xgc_msg_schema_of_topic(const char *topic);
/* The names of all typed schemas, NULL-terminated. */
extern const char *const xgc_msg_schema_names[];
/* Decode data (or a decoded object) with the named schema, just to check
 * it: 0 or -1 + err. */
int xgc_msg_check_object(const char *schema, const msgpack_object *obj,
                         char *err, size_t errlen);
int xgc_msg_check_schema(const char *schema, const void *data, size_t size,
                         char *err, size_t errlen);

#endif
