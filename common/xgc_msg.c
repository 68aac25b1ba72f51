/* xgc_msg — see xgc_msg.h. The validator walks the msgpack format by hand
 * (a fixed-size stack, no allocation) so that msgpack-c is only ever given
 * frames whose declared counts are all backed by real bytes. The typed
 * codecs are tables of fields (name, kind, offset) read by one generic
 * encoder and one generic decoder. */
#include "xgc_msg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- 1. Validation and decoding ---------------------------------------- */

static int s_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int s_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(err, errlen, fmt, args);
        va_end(args);
    }
    return -1;
}

static uint64_t s_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* One object header at p (avail bytes): its header size `head`, the bytes of
 * payload that follow it (`body`) and the number of child objects. Returns
 * -1 for the reserved byte 0xc1 or a header cut short. */
static int s_header(const uint8_t *p, size_t avail, size_t *head, uint64_t *body,
                    uint64_t *children)
{
    uint8_t b = p[0];
    *head = 1, *body = 0, *children = 0;
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
        return 0;                                   /* fixint, nil, bool */
    if (b <= 0x8f) { *children = 2u * (b & 0x0f); return 0; }
    if (b <= 0x9f) { *children = b & 0x0f; return 0; }
    if (b <= 0xbf) { *body = b & 0x1f; return 0; }
    /* Length-prefixed forms: size of the length field, then meaning. */
    static const struct { uint8_t code; uint8_t len_bytes; uint8_t fixed; uint8_t kind; } forms[] = {
        /* kind: 0 fixed body, 1 bytes, 2 ext (bytes + type), 3 array, 4 map */
        {0xc4, 1, 0, 1}, {0xc5, 2, 0, 1}, {0xc6, 4, 0, 1},
        {0xc7, 1, 0, 2}, {0xc8, 2, 0, 2}, {0xc9, 4, 0, 2},
        {0xca, 0, 4, 0}, {0xcb, 0, 8, 0},
        {0xcc, 0, 1, 0}, {0xcd, 0, 2, 0}, {0xce, 0, 4, 0}, {0xcf, 0, 8, 0},
        {0xd0, 0, 1, 0}, {0xd1, 0, 2, 0}, {0xd2, 0, 4, 0}, {0xd3, 0, 8, 0},
        {0xd4, 0, 2, 0}, {0xd5, 0, 3, 0}, {0xd6, 0, 5, 0}, {0xd7, 0, 9, 0}, {0xd8, 0, 17, 0},
        {0xd9, 1, 0, 1}, {0xda, 2, 0, 1}, {0xdb, 4, 0, 1},
        {0xdc, 2, 0, 3}, {0xdd, 4, 0, 3}, {0xde, 2, 0, 4}, {0xdf, 4, 0, 4},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        if (forms[i].code != b)
            continue;
        if (avail < 1u + forms[i].len_bytes)
            return -1;
        uint64_t n = s_be(p + 1, forms[i].len_bytes);
        *head = 1u + forms[i].len_bytes;
        switch (forms[i].kind) {
        case 0: *body = forms[i].fixed; break;
        case 1: *body = n; break;
        case 2: *body = n + 1; break;               /* type byte + data */
        case 3: *children = n; break;
        default: *children = 2 * n; break;
        }
        return 0;
    }
    return -1;                                      /* 0xc1: never used */
}

int xgc_msg_validate(const void *data, size_t size, char *err, size_t errlen)
{
    const uint8_t *p = data;
    uint64_t pending[XGC_MSG_MAX_DEPTH + 1];       /* objects still due per level */
    int depth = 0;
    size_t pos = 0;
    pending[0] = 1;
    if (!data && size)
        return s_fail(err, errlen, "no data");
    while (depth >= 0) {
        if (pending[depth] == 0) {
            depth--;
            continue;
        }
        pending[depth]--;
        if (pos >= size)
            return s_fail(err, errlen, "truncated at byte %zu", pos);
        size_t head;
        uint64_t body, children;
        if (s_header(p + pos, size - pos, &head, &body, &children) < 0)
            return s_fail(err, errlen, "invalid or truncated header 0x%02x at byte %zu",
                          p[pos], pos);
        pos += head;
        if (body > size - pos)
            return s_fail(err, errlen, "length %llu at byte %zu exceeds the %zu bytes left",
                          (unsigned long long)body, pos - head, size - pos);
        pos += body;
        if (children == 0)
            continue;
        if (children > size - pos)
            return s_fail(err, errlen, "count %llu at byte %zu exceeds the %zu bytes left",
                          (unsigned long long)children, pos - head, size - pos);
        if (depth + 1 > XGC_MSG_MAX_DEPTH)
            return s_fail(err, errlen, "nesting deeper than %d at byte %zu",
                          XGC_MSG_MAX_DEPTH, pos - head);
        pending[++depth] = children;
    }
    if (pos != size)
        return s_fail(err, errlen, "%zu bytes of trailing garbage after byte %zu",
                      size - pos, pos);
    return 0;
}

struct _xgc_msg_t {
    msgpack_unpacked unpacked;
    char *bytes;                 /* strings in the tree point in here */
};

xgc_msg_t *xgc_msg_decode(const void *data, size_t size, char *err, size_t errlen)
{
    if (xgc_msg_validate(data, size, err, errlen) < 0)
        return NULL;
    xgc_msg_t *self = calloc(1, sizeof *self);
    if (!self || !(self->bytes = malloc(size ? size : 1))) {
        free(self);
        s_fail(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(self->bytes, data, size);
    msgpack_unpacked_init(&self->unpacked);
    size_t off = 0;
    msgpack_unpack_return rc = msgpack_unpack_next(&self->unpacked, self->bytes, size, &off);
    if (rc != MSGPACK_UNPACK_SUCCESS || off != size) {
        s_fail(err, errlen, rc == MSGPACK_UNPACK_NOMEM_ERROR ? "out of memory"
                                                             : "msgpack refused the frame");
        xgc_msg_destroy(&self);
    }
    return self;
}

void xgc_msg_destroy(xgc_msg_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    msgpack_unpacked_destroy(&(*self_p)->unpacked);
    free((*self_p)->bytes);
    free(*self_p);
    *self_p = NULL;
}

const msgpack_object *xgc_msg_root(const xgc_msg_t *self)
{
    return self ? &self->unpacked.data : NULL;
}

/* ---- Typed reads of a map's fields -------------------------------------- */

const msgpack_object *xgc_msg_map_get(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t len = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == len
            && memcmp(k->via.str.ptr, key, len) == 0)
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

static const char *s_type_name(msgpack_object_type type)
{
    switch (type) {
    case MSGPACK_OBJECT_NIL: return "nil";
    case MSGPACK_OBJECT_BOOLEAN: return "a boolean";
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "an integer";
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: return "a float";
    case MSGPACK_OBJECT_STR: return "a string";
    case MSGPACK_OBJECT_BIN: return "binary";
    case MSGPACK_OBJECT_ARRAY: return "an array";
    case MSGPACK_OBJECT_MAP: return "a map";
    default: return "an extension";
    }
}

/* The value of key, or NULL: *rc is then 0 (absent, optional) or -1. */
static const msgpack_object *s_field(const msgpack_object *map, const char *key,
                                     bool required, int *rc, char *err, size_t errlen)
{
    const msgpack_object *value = xgc_msg_map_get(map, key);
    *rc = 0;
    if (!value && required)
        *rc = s_fail(err, errlen, "field '%s': missing", key);
    return value;
}

static int s_wrong_type(const char *key, const msgpack_object *value, const char *want,
                        char *err, size_t errlen)
{
    return s_fail(err, errlen, "field '%s': expected %s, found %s", key, want,
                  s_type_name(value->type));
}

int xgc_msg_read_str(const msgpack_object *map, const char *key, bool required,
                     char *out, size_t outlen, char *err, size_t errlen)
{
    int rc;
    const msgpack_object *value = s_field(map, key, required, &rc, err, errlen);
    if (!value)
        return rc;
    if (value->type != MSGPACK_OBJECT_STR)
        return s_wrong_type(key, value, "a string", err, errlen);
    size_t len = value->via.str.size;
    if (len >= outlen)
        return s_fail(err, errlen, "field '%s': %zu bytes is longer than the limit of %zu",
                      key, len, outlen - 1);
    if (memchr(value->via.str.ptr, '\0', len))
        return s_fail(err, errlen, "field '%s': contains a NUL byte", key);
    memcpy(out, value->via.str.ptr, len);
    out[len] = '\0';
    return 0;
}

int xgc_msg_read_double(const msgpack_object *map, const char *key, bool required,
                        double *out, char *err, size_t errlen)
{
    int rc;
    const msgpack_object *value = s_field(map, key, required, &rc, err, errlen);
    if (!value)
        return rc;
    double d;
    switch (value->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER: d = (double)value->via.u64; break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: d = (double)value->via.i64; break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: d = value->via.f64; break;
    default: return s_wrong_type(key, value, "a number", err, errlen);
    }
    if (!isfinite(d))
        return s_fail(err, errlen, "field '%s': not a finite number", key);
    *out = d;
    return 0;
}

int xgc_msg_read_int64(const msgpack_object *map, const char *key, bool required,
                       int64_t *out, char *err, size_t errlen)
{
    int rc;
    const msgpack_object *value = s_field(map, key, required, &rc, err, errlen);
    if (!value)
        return rc;
    switch (value->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (value->via.u64 > (uint64_t)INT64_MAX)
            return s_fail(err, errlen, "field '%s': %llu is out of range", key,
                          (unsigned long long)value->via.u64);
        *out = (int64_t)value->via.u64;
        return 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        *out = value->via.i64;
        return 0;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: {
        double d = value->via.f64;
        /* 2^63 is exactly representable; anything at or beyond it is not. */
        if (!(d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0))
            return s_fail(err, errlen, "field '%s': %g is not a whole number in range", key, d);
        *out = (int64_t)d;
        return 0;
    }
    default:
        return s_wrong_type(key, value, "an integer", err, errlen);
    }
}

int xgc_msg_read_bool(const msgpack_object *map, const char *key, bool required,
                      bool *out, char *err, size_t errlen)
{
    int rc;
    const msgpack_object *value = s_field(map, key, required, &rc, err, errlen);
    if (!value)
        return rc;
    if (value->type != MSGPACK_OBJECT_BOOLEAN)
        return s_wrong_type(key, value, "a boolean", err, errlen);
    *out = value->via.boolean;
    return 0;
}

/* ---- 2. Encoding -------------------------------------------------------- */

#define S_HEAD_RESERVE 5         /* the largest map/array header */

void xgc_msg_enc_init(xgc_msg_enc_t *enc)
{
    memset(enc, 0, sizeof *enc);
    msgpack_sbuffer_init(&enc->buf);
    msgpack_packer_init(&enc->pk, &enc->buf, msgpack_sbuffer_write);
}

void xgc_msg_enc_dispose(xgc_msg_enc_t *enc)
{
    msgpack_sbuffer_destroy(&enc->buf);
    xgc_msg_enc_init(enc);
}

/* Account for one value about to be written; false if it is not allowed
 * here (the encoder is then failed). */
static bool s_enc_value(xgc_msg_enc_t *enc)
{
    if (enc->failed)
        return false;
    if (enc->depth == 0) {
        if (enc->done)
            enc->failed = true;     /* a second top-level value */
        enc->done = true;
        return !enc->failed;
    }
    typeof(enc->stack[0]) *top = &enc->stack[enc->depth - 1];
    if (top->is_map) {
        if (!top->want_value)
            enc->failed = true;     /* a value where a key is due */
        top->want_value = false;
    } else {
        top->count++;
    }
    return !enc->failed;
}

static void s_enc_check(xgc_msg_enc_t *enc, int rc)
{
    if (rc != 0)
        enc->failed = true;
}

static void s_enc_begin(xgc_msg_enc_t *enc, bool is_map)
{
    if (!s_enc_value(enc))
        return;
    if (enc->depth >= XGC_MSG_MAX_DEPTH) {
        enc->failed = true;
        return;
    }
    enc->stack[enc->depth].offset = enc->buf.size;
    enc->stack[enc->depth].count = 0;
    enc->stack[enc->depth].is_map = is_map;
    enc->stack[enc->depth].want_value = false;
    enc->depth++;
    s_enc_check(enc, msgpack_sbuffer_write(&enc->buf, "\0\0\0\0\0", S_HEAD_RESERVE));
}

/* Write the real header over the reserved bytes and close the gap. */
static void s_enc_end(xgc_msg_enc_t *enc, bool is_map)
{
    if (enc->failed)
        return;
    if (enc->depth == 0 || enc->stack[enc->depth - 1].is_map != is_map
        || enc->stack[enc->depth - 1].want_value) {
        enc->failed = true;
        return;
    }
    enc->depth--;
    size_t offset = enc->stack[enc->depth].offset;
    uint32_t n = enc->stack[enc->depth].count;
    uint8_t head[S_HEAD_RESERVE];
    size_t len;
    if (n < 16) {
        head[0] = (uint8_t)((is_map ? 0x80 : 0x90) | n);
        len = 1;
    } else if (n < 65536) {
        head[0] = is_map ? 0xde : 0xdc;
        head[1] = (uint8_t)(n >> 8), head[2] = (uint8_t)n;
        len = 3;
    } else {
        head[0] = is_map ? 0xdf : 0xdd;
        for (int i = 0; i < 4; i++)
            head[1 + i] = (uint8_t)(n >> (24 - 8 * i));
        len = 5;
    }
    char *at = enc->buf.data + offset;
    size_t body = enc->buf.size - offset - S_HEAD_RESERVE;
    memcpy(at, head, len);
    memmove(at + len, at + S_HEAD_RESERVE, body);
    enc->buf.size -= S_HEAD_RESERVE - len;
}

void xgc_msg_enc_map_begin(xgc_msg_enc_t *enc) { s_enc_begin(enc, true); }
void xgc_msg_enc_map_end(xgc_msg_enc_t *enc) { s_enc_end(enc, true); }
void xgc_msg_enc_array_begin(xgc_msg_enc_t *enc) { s_enc_begin(enc, false); }
void xgc_msg_enc_array_end(xgc_msg_enc_t *enc) { s_enc_end(enc, false); }

void xgc_msg_enc_key(xgc_msg_enc_t *enc, const char *key)
{
    if (enc->failed)
        return;
    typeof(enc->stack[0]) *top = enc->depth ? &enc->stack[enc->depth - 1] : NULL;
    if (!top || !top->is_map || top->want_value) {
        enc->failed = true;
        return;
    }
    top->count++;
    top->want_value = true;
    size_t len = strlen(key);
    s_enc_check(enc, msgpack_pack_str_with_body(&enc->pk, key, len));
}

void xgc_msg_enc_strn(xgc_msg_enc_t *enc, const char *value, size_t len)
{
    if (s_enc_value(enc))
        s_enc_check(enc, msgpack_pack_str_with_body(&enc->pk, value, len));
}

void xgc_msg_enc_str(xgc_msg_enc_t *enc, const char *value)
{
    xgc_msg_enc_strn(enc, value, strlen(value));
}

void xgc_msg_enc_int(xgc_msg_enc_t *enc, int64_t value)
{
    if (s_enc_value(enc))
        s_enc_check(enc, msgpack_pack_int64(&enc->pk, value));
}

void xgc_msg_enc_uint(xgc_msg_enc_t *enc, uint64_t value)
{
    if (s_enc_value(enc))
        s_enc_check(enc, msgpack_pack_uint64(&enc->pk, value));
}

void xgc_msg_enc_double(xgc_msg_enc_t *enc, double value)
{
    if (s_enc_value(enc))
        s_enc_check(enc, msgpack_pack_double(&enc->pk, value));
}

void xgc_msg_enc_bool(xgc_msg_enc_t *enc, bool value)
{
    if (s_enc_value(enc))
        s_enc_check(enc, value ? msgpack_pack_true(&enc->pk) : msgpack_pack_false(&enc->pk));
}

void xgc_msg_enc_nil(xgc_msg_enc_t *enc)
{
    if (s_enc_value(enc))
        s_enc_check(enc, msgpack_pack_nil(&enc->pk));
}

void xgc_msg_enc_bin(xgc_msg_enc_t *enc, const void *data, size_t len)
{
    if (s_enc_value(enc))
        s_enc_check(enc, msgpack_pack_bin_with_body(&enc->pk, data, len));
}

void xgc_msg_enc_raw(xgc_msg_enc_t *enc, const void *data, size_t len)
{
    if (xgc_msg_validate(data, len, NULL, 0) < 0) {
        enc->failed = true;
        return;
    }
    if (s_enc_value(enc))
        s_enc_check(enc, msgpack_sbuffer_write(&enc->buf, data, len));
}

void xgc_msg_enc_kv_str(xgc_msg_enc_t *enc, const char *key, const char *value)
{
    xgc_msg_enc_key(enc, key);
    xgc_msg_enc_str(enc, value);
}

void xgc_msg_enc_kv_int(xgc_msg_enc_t *enc, const char *key, int64_t value)
{
    xgc_msg_enc_key(enc, key);
    xgc_msg_enc_int(enc, value);
}

void xgc_msg_enc_kv_double(xgc_msg_enc_t *enc, const char *key, double value)
{
    xgc_msg_enc_key(enc, key);
    xgc_msg_enc_double(enc, value);
}

void xgc_msg_enc_kv_bool(xgc_msg_enc_t *enc, const char *key, bool value)
{
    xgc_msg_enc_key(enc, key);
    xgc_msg_enc_bool(enc, value);
}

int xgc_msg_enc_finish(xgc_msg_enc_t *enc, void **data, size_t *size)
{
    if (enc->failed || enc->depth != 0 || !enc->done) {
        xgc_msg_enc_dispose(enc);
        return -1;
    }
    *size = enc->buf.size;
    *data = msgpack_sbuffer_release(&enc->buf);
    xgc_msg_enc_dispose(enc);
    return 0;
}

/* ---- 3. Typed codecs: field tables --------------------------------------- */

typedef enum { S_STR, S_DOUBLE, S_INT64, S_INT, S_BOOL, S_ENUM, S_POWER } s_kind_t;

typedef struct {
    const char *key;
    s_kind_t kind;
    size_t offset, size;         /* size: buffer size of an S_STR */
    bool required;
    const char *const *names;    /* S_ENUM: wire names, by value */
} s_field_t;

typedef struct {
    const char *name;            /* "vm_spec" ... */
    const s_field_t *fields;
    size_t count;
    void (*defaults)(void *value);   /* before decoding, may be NULL */
    void (*fixup)(void *value);      /* after decoding, may be NULL */
} s_schema_t;

/* Enums are read and written as int. */
_Static_assert(sizeof(xgc_vm_state_t) == sizeof(int), "enum size");
_Static_assert(sizeof(xgc_plan_state_t) == sizeof(int), "enum size");
_Static_assert(sizeof(xgc_power_t) == sizeof(int), "enum size");
_Static_assert(sizeof(xgc_op_phase_t) == sizeof(int), "enum size");

#define S_MEMBER_SIZE(type, m) sizeof(((type *)0)->m)
#define F(type, m, kind, req) {#m, kind, offsetof(type, m), S_MEMBER_SIZE(type, m), req, NULL}
#define F_ENUM(type, m, names, req) {#m, S_ENUM, offsetof(type, m), S_MEMBER_SIZE(type, m), req, names}

static void s_encode_power(xgc_msg_enc_t *enc, const xgc_power_model_t *power)
{
    xgc_msg_enc_map_begin(enc);
    xgc_msg_enc_kv_double(enc, "idle_w", power->idle_w);
    xgc_msg_enc_kv_double(enc, "peak_w", power->peak_w);
    if (power->table_n > 0) {
        xgc_msg_enc_key(enc, "table_w");
        xgc_msg_enc_array_begin(enc);
        for (int i = 0; i < power->table_n && i < XGC_POWER_POINTS; i++)
            xgc_msg_enc_double(enc, power->table_w[i]);
        xgc_msg_enc_array_end(enc);
    }
    xgc_msg_enc_map_end(enc);
}

static void s_encode_field(xgc_msg_enc_t *enc, const s_field_t *f, const char *base)
{
    const void *at = base + f->offset;
    xgc_msg_enc_key(enc, f->key);
    switch (f->kind) {
    case S_STR: xgc_msg_enc_strn(enc, at, strnlen(at, f->size)); break;
    case S_DOUBLE: xgc_msg_enc_double(enc, *(const double *)at); break;
    case S_INT64: xgc_msg_enc_int(enc, *(const int64_t *)at); break;
    case S_INT: xgc_msg_enc_int(enc, *(const int *)at); break;
    case S_BOOL: xgc_msg_enc_bool(enc, *(const bool *)at); break;
    case S_ENUM: {
        int value = *(const int *)at, n = 0;
        while (f->names[n])
            n++;
        xgc_msg_enc_str(enc, value >= 0 && value < n ? f->names[value] : "?");
        break;
    }
    case S_POWER: s_encode_power(enc, at); break;
    }
}

static int s_encode(const s_schema_t *schema, const void *value, void **data, size_t *size)
{
    xgc_msg_enc_t enc;
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_map_begin(&enc);
    xgc_msg_enc_kv_int(&enc, "v", XGC_MSG_VERSION);
    for (size_t i = 0; i < schema->count; i++)
        s_encode_field(&enc, &schema->fields[i], value);
    xgc_msg_enc_map_end(&enc);
    return xgc_msg_enc_finish(&enc, data, size);
}

static int s_decode_enum(const msgpack_object *map, const s_field_t *f, int *out,
                         char *err, size_t errlen)
{
    const msgpack_object *value = xgc_msg_map_get(map, f->key);
    if (!value)
        return f->required ? s_fail(err, errlen, "field '%s': missing", f->key) : 0;
    if (value->type != MSGPACK_OBJECT_STR)
        return s_wrong_type(f->key, value, "a string", err, errlen);
    char list[256] = "";
    for (int i = 0; f->names[i]; i++) {
        if (value->via.str.size == strlen(f->names[i])
            && memcmp(value->via.str.ptr, f->names[i], value->via.str.size) == 0) {
            *out = i;
            return 0;
        }
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                 f->names[i]);
    }
    return s_fail(err, errlen, "field '%s': '%.*s' is not one of %s", f->key,
                  (int)(value->via.str.size > 40 ? 40 : value->via.str.size),
                  value->via.str.ptr, list);
}

static int s_decode_power(const msgpack_object *map, const s_field_t *f,
                          xgc_power_model_t *power, char *err, size_t errlen)
{
    const msgpack_object *value = xgc_msg_map_get(map, f->key);
    if (!value)
        return f->required ? s_fail(err, errlen, "field '%s': missing", f->key) : 0;
    if (value->type != MSGPACK_OBJECT_MAP)
        return s_wrong_type(f->key, value, "a map", err, errlen);
    if (xgc_msg_read_double(value, "idle_w", false, &power->idle_w, err, errlen) < 0
        || xgc_msg_read_double(value, "peak_w", false, &power->peak_w, err, errlen) < 0)
        return -1;
    const msgpack_object *table = xgc_msg_map_get(value, "table_w");
    power->table_n = 0;
    if (!table)
        return 0;
    if (table->type != MSGPACK_OBJECT_ARRAY || table->via.array.size != XGC_POWER_POINTS)
        return s_fail(err, errlen, "field 'table_w': expected an array of %d numbers",
                      XGC_POWER_POINTS);
    for (int i = 0; i < XGC_POWER_POINTS; i++) {
        const msgpack_object *item = &table->via.array.ptr[i];
        if (item->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            power->table_w[i] = (double)item->via.u64;
        else if (item->type == MSGPACK_OBJECT_FLOAT32 || item->type == MSGPACK_OBJECT_FLOAT64)
            power->table_w[i] = item->via.f64;
        else
            return s_fail(err, errlen, "field 'table_w': item %d is not a number >= 0", i);
        if (!isfinite(power->table_w[i]) || power->table_w[i] < 0)
            return s_fail(err, errlen, "field 'table_w': item %d is not a number >= 0", i);
    }
    power->table_n = XGC_POWER_POINTS;
    return 0;
}

static int s_decode_field(const msgpack_object *map, const s_field_t *f, char *base,
                          char *err, size_t errlen)
{
    void *at = base + f->offset;
    int64_t i64;
    int rc;
    switch (f->kind) {
    case S_STR: return xgc_msg_read_str(map, f->key, f->required, at, f->size, err, errlen);
    case S_DOUBLE: return xgc_msg_read_double(map, f->key, f->required, at, err, errlen);
    case S_INT64: return xgc_msg_read_int64(map, f->key, f->required, at, err, errlen);
    case S_BOOL: return xgc_msg_read_bool(map, f->key, f->required, at, err, errlen);
    case S_ENUM: return s_decode_enum(map, f, at, err, errlen);
    case S_POWER: return s_decode_power(map, f, at, err, errlen);
    case S_INT:
        i64 = *(int *)at;
        rc = xgc_msg_read_int64(map, f->key, f->required, &i64, err, errlen);
        if (rc == 0 && (i64 < -2147483647 || i64 > 2147483647))
            return s_fail(err, errlen, "field '%s': %lld is out of range", f->key, (long long)i64);
        if (rc == 0)
            *(int *)at = (int)i64;
        return rc;
    }
    return -1;
}

static int s_decode_object(const s_schema_t *schema, const msgpack_object *obj, void *out,
                           char *err, size_t errlen)
{
    char why[XGC_ERR_MAX];
    int64_t version = 0;
    if (!obj || obj->type != MSGPACK_OBJECT_MAP)
        return s_fail(err, errlen, "%s: expected a map, found %s", schema->name,
                      obj ? s_type_name(obj->type) : "nothing");
    if (xgc_msg_read_int64(obj, "v", true, &version, why, sizeof why) < 0)
        return s_fail(err, errlen, "%s: %s", schema->name, why);
    if (version != XGC_MSG_VERSION)
        return s_fail(err, errlen, "%s: field 'v': unsupported schema version %lld",
                      schema->name, (long long)version);
    if (schema->defaults)
        schema->defaults(out);
    for (size_t i = 0; i < schema->count; i++)
        if (s_decode_field(obj, &schema->fields[i], out, why, sizeof why) < 0)
            return s_fail(err, errlen, "%s: %s", schema->name, why);
    if (schema->fixup)
        schema->fixup(out);
    return 0;
}

static int s_decode_bytes(const s_schema_t *schema, const void *data, size_t size, void *out,
                          char *err, size_t errlen)
{
    char why[XGC_ERR_MAX];
    xgc_msg_t *msg = xgc_msg_decode(data, size, why, sizeof why);
    if (!msg)
        return s_fail(err, errlen, "%s: %s", schema->name, why);
    int rc = s_decode_object(schema, xgc_msg_root(msg), out, err, errlen);
    xgc_msg_destroy(&msg);
    return rc;
}

/* ---- The schemas -------------------------------------------------------- */

static void s_vm_spec_defaults(void *value)
{
    xgc_vm_spec_t *vm = value;
    vm->shares = 256;            /* Xen's default weight, as the YAML loader */
    vm->utility_max = NAN;
}

static void s_vm_spec_fixup(void *value)
{
    xgc_vm_spec_t *vm = value;
    if (isnan(vm->utility_max))
        vm->utility_max = vm->utility_min;
}

static const s_field_t s_vm_spec_fields[] = {
    F(xgc_vm_spec_t, name, S_STR, true),
    F(xgc_vm_spec_t, min_mhz, S_DOUBLE, true),
    F(xgc_vm_spec_t, max_mhz, S_DOUBLE, true),
    F(xgc_vm_spec_t, shares, S_DOUBLE, false),
    F(xgc_vm_spec_t, mem_mb, S_DOUBLE, true),
    F(xgc_vm_spec_t, utility_min, S_DOUBLE, false),
    F(xgc_vm_spec_t, utility_max, S_DOUBLE, false),
    F(xgc_vm_spec_t, image, S_STR, false),
};

static void s_pm_spec_defaults(void *value)
{
    strcpy(((xgc_pm_spec_t *)value)->driver, "sim");
}

static const s_field_t s_pm_spec_fields[] = {
    F(xgc_pm_spec_t, name, S_STR, true),
    F(xgc_pm_spec_t, cpu_mhz, S_DOUBLE, true),
    F(xgc_pm_spec_t, mem_mb, S_DOUBLE, true),
    F(xgc_pm_spec_t, cores, S_INT, false),
    F(xgc_pm_spec_t, power_cost, S_DOUBLE, false),
    F(xgc_pm_spec_t, power, S_POWER, false),
    F(xgc_pm_spec_t, driver, S_STR, false),
    F(xgc_pm_spec_t, address, S_STR, false),
};

static const s_field_t s_heartbeat_fields[] = {
    F(xgc_heartbeat_t, host, S_STR, true),
    F(xgc_heartbeat_t, ts_ms, S_INT64, true),
    F(xgc_heartbeat_t, pid, S_INT64, false),
    F(xgc_heartbeat_t, lease_ms, S_INT64, false),
};

static const s_field_t s_vm_actual_fields[] = {
    F(xgc_vm_actual_t, vm, S_STR, true),
    F(xgc_vm_actual_t, host, S_STR, true),
    F_ENUM(xgc_vm_actual_t, state, xgc_vm_state_names, true),
    F(xgc_vm_actual_t, cap_mhz, S_DOUBLE, false),
    F(xgc_vm_actual_t, weight, S_DOUBLE, false),
    F(xgc_vm_actual_t, alloc_mhz, S_DOUBLE, false),
    F(xgc_vm_actual_t, since_ms, S_INT64, false),
    F(xgc_vm_actual_t, reason, S_STR, false),
};

static const s_field_t s_plan_entry_fields[] = {
    F(xgc_plan_entry_t, vm, S_STR, true),
    F(xgc_plan_entry_t, host, S_STR, true),
    F_ENUM(xgc_plan_entry_t, state, xgc_plan_state_names, true),
    F(xgc_plan_entry_t, cap_mhz, S_DOUBLE, false),
    F(xgc_plan_entry_t, weight, S_DOUBLE, false),
    F(xgc_plan_entry_t, from, S_STR, false),
    F(xgc_plan_entry_t, round, S_INT64, false),
    F(xgc_plan_entry_t, reason, S_STR, false),
    F(xgc_plan_entry_t, left, S_STR, false),
};

static const s_field_t s_power_state_fields[] = {
    F(xgc_power_state_t, host, S_STR, true),
    F_ENUM(xgc_power_state_t, state, xgc_power_names, true),
    F(xgc_power_state_t, reason, S_STR, false),
};

static const s_field_t s_pm_admin_fields[] = {
    F(xgc_pm_admin_t, host, S_STR, true),
    F(xgc_pm_admin_t, drain, S_BOOL, false),
};

static const s_field_t s_lease_fields[] = {
    F(xgc_lease_t, owner, S_STR, true),
    F(xgc_lease_t, until_ms, S_INT64, true),
};

static void s_metric_vm_defaults(void *value)
{
    ((xgc_metric_vm_t *)value)->resp_ms = -1;
}

static const s_field_t s_metric_vm_fields[] = {
    F(xgc_metric_vm_t, vm, S_STR, true),
    F(xgc_metric_vm_t, host, S_STR, false),
    F(xgc_metric_vm_t, ts_ms, S_INT64, true),
    F(xgc_metric_vm_t, cpu_mhz, S_DOUBLE, false),
    F(xgc_metric_vm_t, cpu_pct, S_DOUBLE, false),
    F(xgc_metric_vm_t, resp_ms, S_DOUBLE, false),
    F(xgc_metric_vm_t, alive, S_BOOL, false),
    F(xgc_metric_vm_t, uptime_s, S_DOUBLE, false),
};

static const s_field_t s_metric_pm_fields[] = {
    F(xgc_metric_pm_t, host, S_STR, true),
    F(xgc_metric_pm_t, ts_ms, S_INT64, true),
    F(xgc_metric_pm_t, cpu_pct, S_DOUBLE, false),
    F(xgc_metric_pm_t, cpu_mhz, S_DOUBLE, false),
    F(xgc_metric_pm_t, power_w, S_DOUBLE, false),
    F(xgc_metric_pm_t, vms, S_INT64, false),
};

static const s_field_t s_plan_round_fields[] = {
    F(xgc_plan_round_t, round, S_INT64, true),
    F(xgc_plan_round_t, reason, S_STR, false),
    F(xgc_plan_round_t, utility, S_DOUBLE, false),
    F(xgc_plan_round_t, power_cost, S_DOUBLE, false),
    F(xgc_plan_round_t, net, S_DOUBLE, false),
    F(xgc_plan_round_t, pms_on, S_INT64, false),
    F(xgc_plan_round_t, migrations, S_INT64, false),
    F(xgc_plan_round_t, time_ms, S_DOUBLE, false),
};

static const s_field_t s_cmd_fields[] = {
    F(xgc_cmd_t, vm, S_STR, true),
    F(xgc_cmd_t, host, S_STR, true),
    F(xgc_cmd_t, from, S_STR, false),
    F(xgc_cmd_t, reason, S_STR, false),
};

static const s_field_t s_op_fields[] = {
    F(xgc_op_t, vm, S_STR, true),
    F(xgc_op_t, host, S_STR, true),
    F_ENUM(xgc_op_t, phase, xgc_op_phase_names, true),
    F(xgc_op_t, reason, S_STR, false),
    F(xgc_op_t, time_ms, S_DOUBLE, false),
};

/* One schema table and the public functions for each type: thin typed
 * wrappers around the generic ones. The decoders clear the whole struct
 * first so that no byte is left unset. */
#define S_TYPE(name, type, defaults, fixup)                                            \
    static const s_schema_t s_##name##_schema = {#name, s_##name##_fields,             \
        sizeof s_##name##_fields / sizeof s_##name##_fields[0], defaults, fixup};       \
    int xgc_msg_##name##_encode(const type *value, void **data, size_t *size)          \
    {                                                                                  \
        return s_encode(&s_##name##_schema, value, data, size);                        \
    }                                                                                  \
    int xgc_msg_##name##_from_object(const msgpack_object *obj, type *out,             \
                                     char *err, size_t errlen)                         \
    {                                                                                  \
        memset(out, 0, sizeof *out);                                                   \
        return s_decode_object(&s_##name##_schema, obj, out, err, errlen);             \
    }                                                                                  \
    int xgc_msg_##name##_decode(const void *data, size_t size, type *out,              \
                                char *err, size_t errlen)                              \
    {                                                                                  \
        memset(out, 0, sizeof *out);                                                   \
        return s_decode_bytes(&s_##name##_schema, data, size, out, err, errlen);       \
    }

S_TYPE(vm_spec, xgc_vm_spec_t, s_vm_spec_defaults, s_vm_spec_fixup)
S_TYPE(pm_spec, xgc_pm_spec_t, s_pm_spec_defaults, NULL)
S_TYPE(heartbeat, xgc_heartbeat_t, NULL, NULL)
S_TYPE(vm_actual, xgc_vm_actual_t, NULL, NULL)
S_TYPE(plan_entry, xgc_plan_entry_t, NULL, NULL)
S_TYPE(power_state, xgc_power_state_t, NULL, NULL)
S_TYPE(pm_admin, xgc_pm_admin_t, NULL, NULL)
S_TYPE(lease, xgc_lease_t, NULL, NULL)
S_TYPE(metric_vm, xgc_metric_vm_t, s_metric_vm_defaults, NULL)
S_TYPE(metric_pm, xgc_metric_pm_t, NULL, NULL)
S_TYPE(plan_round, xgc_plan_round_t, NULL, NULL)
S_TYPE(cmd, xgc_cmd_t, NULL, NULL)
S_TYPE(op, xgc_op_t, NULL, NULL)

/* ---- log.<component> events --------------------------------------------- */

/* Is the word [start, end) a context pair "key=value" with a usable key? */
static bool s_is_pair(const char *start, const char *end)
{
    const char *eq = memchr(start, '=', (size_t)(end - start));
    if (!eq || eq == start || eq + 1 >= end)
        return false;
    for (const char *c = start; c < eq; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')
              || *c == '_' || *c == '.' || *c == '-'))
            return false;
    size_t len = (size_t)(eq - start);
    return !(len == 1 && *start == 'v') && !(len == 5 && !memcmp(start, "level", 5))
        && !(len == 3 && !memcmp(start, "msg", 3));
}

int xgc_msg_log_encode(const char *level, const char *text, void **data, size_t *size)
{
    /* Walk back over the trailing key=value words to find where msg ends. */
    const char *msg_end = text + strlen(text);
    while (msg_end > text) {
        const char *word_end = msg_end;
        while (word_end > text && word_end[-1] == ' ')
            word_end--;
        const char *word = word_end;
        while (word > text && word[-1] != ' ')
            word--;
        if (word == word_end || !s_is_pair(word, word_end))
            break;
        msg_end = word;
    }
    const char *pairs = msg_end;
    while (msg_end > text && msg_end[-1] == ' ')
        msg_end--;
    xgc_msg_enc_t enc;
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_map_begin(&enc);
    xgc_msg_enc_kv_int(&enc, "v", XGC_MSG_VERSION);
    xgc_msg_enc_kv_str(&enc, "level", level);
    xgc_msg_enc_key(&enc, "msg");
    xgc_msg_enc_strn(&enc, text, (size_t)(msg_end - text));
    for (const char *p = pairs; *p;) {
        while (*p == ' ')
            p++;
        const char *end = p + strcspn(p, " ");
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (eq) {
            char key[64];
            snprintf(key, sizeof key, "%.*s", (int)(eq - p), p);
            xgc_msg_enc_key(&enc, key);
            xgc_msg_enc_strn(&enc, eq + 1, (size_t)(end - eq - 1));
        }
        p = end;
    }
    xgc_msg_enc_map_end(&enc);
    return xgc_msg_enc_finish(&enc, data, size);
}

/* ---- Keys and topics to schemas ---------------------------------------- */

/* Does `s` match `pattern`, where '*' stands for one non-empty segment
 * (no `sep`)? A trailing '*' after the last separator may hold `sep` for
 * topics (cmd.<host>.<verb> has a fixed number of segments, so it does not). */
static bool s_match(const char *pattern, const char *s, char sep)
{
    while (*pattern) {
        if (*pattern == '*') {
            const char *start = s;
            while (*s && *s != sep)
                s++;
            if (s == start)
                return false;
            pattern++;
        } else if (*pattern++ != *s++) {
            return false;
        }
    }
    return *s == '\0';
}

static const struct { const char *pattern; const s_schema_t *schema; } s_keys[] = {
    {"vm/*/spec", &s_vm_spec_schema},
    {"pm/*/info", &s_pm_spec_schema},
    {"pm/*/alive", &s_heartbeat_schema},
    {"pm/*/vm/*", &s_vm_actual_schema},
    {"plan/*/*", &s_plan_entry_schema},
    {"pm/*/power", &s_power_state_schema},
    {"pm/*/admin", &s_pm_admin_schema},
    {"sched/leader", &s_lease_schema},
};

static const struct { const char *pattern; const s_schema_t *schema; } s_topics[] = {
    {"metric.vm.*", &s_metric_vm_schema},
    {"metric.pm.*", &s_metric_pm_schema},
    {"plan.round", &s_plan_round_schema},
    {"cmd.*.*", &s_cmd_schema},
    {"op.*.*", &s_op_schema},
};

const char *xgc_msg_schema_of_key(const char *key)
{
    for (size_t i = 0; key && i < sizeof s_keys / sizeof s_keys[0]; i++)
        if (s_match(s_keys[i].pattern, key, '/'))
            return s_keys[i].schema->name;
    return NULL;
}

const char *xgc_msg_schema_of_topic(const char *topic)
{
    for (size_t i = 0; topic && i < sizeof s_topics / sizeof s_topics[0]; i++)
        if (s_match(s_topics[i].pattern, topic, '.'))
            return s_topics[i].schema->name;
    return NULL;
}

static const s_schema_t *const s_all[] = {
    &s_vm_spec_schema, &s_pm_spec_schema, &s_heartbeat_schema, &s_vm_actual_schema,
    &s_plan_entry_schema, &s_power_state_schema, &s_pm_admin_schema, &s_lease_schema,
    &s_metric_vm_schema, &s_metric_pm_schema, &s_plan_round_schema, &s_cmd_schema,
    &s_op_schema,
};

const char *const xgc_msg_schema_names[] = {
    "vm_spec", "pm_spec", "heartbeat", "vm_actual", "plan_entry", "power_state", "pm_admin",
    "lease", "metric_vm", "metric_pm", "plan_round", "cmd", "op", NULL,
};

/* Check by name: decode into a scratch struct large enough for any type. */
int xgc_msg_check_object(const char *schema, const msgpack_object *obj,
                         char *err, size_t errlen)
{
    union {
        xgc_vm_spec_t vm_spec; xgc_pm_spec_t pm_spec; xgc_heartbeat_t heartbeat;
        xgc_vm_actual_t vm_actual; xgc_plan_entry_t plan_entry; xgc_power_state_t power;
        xgc_pm_admin_t admin; xgc_lease_t lease; xgc_metric_vm_t metric_vm;
        xgc_metric_pm_t metric_pm; xgc_plan_round_t round; xgc_cmd_t cmd; xgc_op_t op;
    } scratch;
    for (size_t i = 0; schema && i < sizeof s_all / sizeof s_all[0]; i++)
        if (strcmp(s_all[i]->name, schema) == 0) {
            memset(&scratch, 0, sizeof scratch);
            return s_decode_object(s_all[i], obj, &scratch, err, errlen);
        }
    return s_fail(err, errlen, "unknown schema '%s'", schema ? schema : "(null)");
}

int xgc_msg_check_schema(const char *schema, const void *data, size_t size,
                         char *err, size_t errlen)
{
    char why[XGC_ERR_MAX];
    xgc_msg_t *msg = xgc_msg_decode(data, size, why, sizeof why);
    if (!msg)
        return s_fail(err, errlen, "%s: %s", schema ? schema : "(null)", why);
    int rc = xgc_msg_check_object(schema, xgc_msg_root(msg), err, errlen);
    xgc_msg_destroy(&msg);
    return rc;
}
