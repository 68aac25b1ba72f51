/* xgc_json — see xgc_json.h. msgpack → JSON builds a jansson tree (jansson
 * does the escaping); text → msgpack walks an xgc_yaml tree into the
 * xgc_msg encoder, typing each plain scalar. */
#include "xgc_json.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xgc_msg.h"
#include "xgc_yaml.h"

/* ---- msgpack → JSON ----------------------------------------------------- */

static char *s_base64(const char *data, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (!out)
        return NULL;
    const unsigned char *p = (const unsigned char *)data;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < len) v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < len) v |= p[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t s_utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned char b = p[0];
    size_t n;
    uint32_t cp;
    if (b < 0x80) return 1;
    else if ((b & 0xe0) == 0xc0) n = 2, cp = b & 0x1f;
    else if ((b & 0xf0) == 0xe0) n = 3, cp = b & 0x0f;
    else if ((b & 0xf8) == 0xf0) n = 4, cp = b & 0x07;
    else return 0;
    if (n > avail)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* A copy with every invalid byte replaced by U+FFFD; *out_len its length. */
static char *s_utf8_clean(const char *data, size_t len, size_t *out_len)
{
    char *out = malloc(3 * len + 1);
    if (!out)
        return NULL;
    const unsigned char *p = (const unsigned char *)data;
    size_t i = 0, o = 0;
    while (i < len) {
        size_t n = s_utf8_seq(p + i, len - i);
        if (n) {
            memcpy(out + o, p + i, n);
            i += n, o += n;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            i++, o += 3;
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

static json_t *s_string(const char *data, size_t len)
{
    json_t *json = json_stringn(data, len);
    if (json)
        return json;
    size_t clean_len;
    char *clean = s_utf8_clean(data, len, &clean_len);
    if (clean)
        json = json_stringn(clean, clean_len);
    free(clean);
    return json;
}

static json_t *s_bytes(const char *data, size_t len)
{
    char *text = s_base64(data, len);
    json_t *json = text ? json_string(text) : NULL;
    free(text);
    return json;
}

static json_t *s_number(double d)
{
    return isfinite(d) ? json_real(d) : json_null();
}

/* A map key as text: strings as such, integers in decimal, anything else as
 * its compact JSON. Returns a json string (its value is the key). */
static json_t *s_key(const msgpack_object *key)
{
    char buf[32];
    switch (key->type) {
    case MSGPACK_OBJECT_STR:
        return s_string(key->via.str.ptr, key->via.str.size);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)key->via.u64);
        return json_string(buf);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        snprintf(buf, sizeof buf, "%lld", (long long)key->via.i64);
        return json_string(buf);
    default: {
        json_t *value = xgc_json_from_object(key);
        char *text = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        json_t *json = text ? s_string(text, strlen(text)) : NULL;
        free(text);
        json_decref(value);
        return json;
    }
    }
}

static json_t *s_map(const msgpack_object *obj)
{
    json_t *json = json_object();
    for (uint32_t i = 0; json && i < obj->via.map.size; i++) {
        json_t *key = s_key(&obj->via.map.ptr[i].key);
        json_t *value = key ? xgc_json_from_object(&obj->via.map.ptr[i].val) : NULL;
        int rc = value ? json_object_setn_new(json, json_string_value(key),
                                              json_string_length(key), value)
                       : -1;
        json_decref(key);
        if (rc < 0) {
            json_decref(json);
            json = NULL;
        }
    }
    return json;
}

static json_t *s_array(const msgpack_object *obj)
{
    json_t *json = json_array();
    for (uint32_t i = 0; json && i < obj->via.array.size; i++) {
        if (json_array_append_new(json, xgc_json_from_object(&obj->via.array.ptr[i])) < 0) {
            json_decref(json);
            json = NULL;
        }
    }
    return json;
}

json_t *xgc_json_from_object(const msgpack_object *obj)
{
    switch (obj->type) {
    case MSGPACK_OBJECT_NIL: return json_null();
    case MSGPACK_OBJECT_BOOLEAN: return json_boolean(obj->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (obj->via.u64 > (uint64_t)INT64_MAX)
            return json_real((double)obj->via.u64);
        return json_integer((json_int_t)obj->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return json_integer((json_int_t)obj->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: return s_number(obj->via.f64);
    case MSGPACK_OBJECT_STR: return s_string(obj->via.str.ptr, obj->via.str.size);
    case MSGPACK_OBJECT_BIN: return s_bytes(obj->via.bin.ptr, obj->via.bin.size);
    case MSGPACK_OBJECT_EXT: return s_bytes(obj->via.ext.ptr, obj->via.ext.size);
    case MSGPACK_OBJECT_ARRAY: return s_array(obj);
    case MSGPACK_OBJECT_MAP: return s_map(obj);
    }
    return json_null();
}

json_t *xgc_json_from_msgpack(const void *data, size_t size, char *err, size_t errlen)
{
    xgc_msg_t *msg = xgc_msg_decode(data, size, err, errlen);
    if (!msg)
        return NULL;
    json_t *json = xgc_json_from_object(xgc_msg_root(msg));
    xgc_msg_destroy(&msg);
    if (!json)
        snprintf(err, errlen, "out of memory");
    return json;
}

char *xgc_json_text(const void *data, size_t size, char *err, size_t errlen)
{
    json_t *json = xgc_json_from_msgpack(data, size, err, errlen);
    if (!json)
        return NULL;
    char *text = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(json);
    if (!text)
        snprintf(err, errlen, "out of memory");
    return text;
}

/* ---- YAML/JSON text → msgpack ------------------------------------------- */

static bool s_digits(const char *s, const char *set)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!strchr(set, *s))
            return false;
    return true;
}

/* A YAML 1.2 core-schema float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool s_is_float(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    size_t whole = strspn(s, "0123456789");
    s += whole;
    size_t frac = 0;
    if (*s == '.') {
        s++;
        frac = strspn(s, "0123456789");
        s += frac;
    }
    if (!whole && !frac)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!strspn(s, "0123456789"))
            return false;
        s += strspn(s, "0123456789");
    }
    return *s == '\0';
}

static bool s_is_any(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strcmp(s, *words) == 0)
            return true;
    return false;
}

/* Integers: decimal (signed), 0x hex, 0o octal. False if not one or out of range. */
static bool s_integer(xgc_msg_enc_t *enc, const char *v)
{
    const char *digits = v + (*v == '-' || *v == '+');
    int base = 10;
    if (!strncmp(v, "0x", 2) && s_digits(v + 2, "0123456789abcdefABCDEF"))
        base = 16, digits = v + 2;
    else if (!strncmp(v, "0o", 2) && s_digits(v + 2, "01234567"))
        base = 8, digits = v + 2;
    else if (!s_digits(digits, "0123456789"))
        return false;
    errno = 0;
    if (*v == '-') {
        long long n = strtoll(v, NULL, 10);
        if (errno)
            return false;
        xgc_msg_enc_int(enc, n);
    } else {
        unsigned long long n = strtoull(digits, NULL, base);
        if (errno)
            return false;
        xgc_msg_enc_uint(enc, n);
    }
    return true;
}

static void s_scalar(xgc_msg_enc_t *enc, const xgc_yaml_node_t *node)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    static const char *const infs[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL};
    static const char *const ninfs[] = {"-.inf", "-.Inf", "-.INF", NULL};
    static const char *const nans[] = {".nan", ".NaN", ".NAN", NULL};
    const char *v = node->value;
    if (node->quoted)
        xgc_msg_enc_str(enc, v);
    else if (s_is_any(v, nulls))
        xgc_msg_enc_nil(enc);
    else if (s_is_any(v, trues) || s_is_any(v, falses))
        xgc_msg_enc_bool(enc, s_is_any(v, trues));
    else if (s_integer(enc, v))
        ;
    else if (s_is_float(v))
        xgc_msg_enc_double(enc, strtod(v, NULL));
    else if (s_is_any(v, infs) || s_is_any(v, ninfs))
        xgc_msg_enc_double(enc, s_is_any(v, infs) ? INFINITY : -INFINITY);
    else if (s_is_any(v, nans))
        xgc_msg_enc_double(enc, NAN);
    else
        xgc_msg_enc_str(enc, v);
}

static int s_node(xgc_msg_enc_t *enc, const xgc_yaml_node_t *node, int depth,
                  char *err, size_t errlen)
{
    if (depth >= XGC_MSG_MAX_DEPTH)
        return xgc_yaml_error(err, errlen, node, NULL, "nested deeper than %d",
                              XGC_MSG_MAX_DEPTH);
    if (node->kind == XGC_YAML_SCALAR) {
        s_scalar(enc, node);
        return 0;
    }
    bool map = node->kind == XGC_YAML_MAP;
    map ? xgc_msg_enc_map_begin(enc) : xgc_msg_enc_array_begin(enc);
    for (size_t i = 0; i < node->count; i++) {
        if (map) {
            for (size_t j = 0; j < i; j++)
                if (strcmp(node->keys[j], node->keys[i]) == 0) {
                    snprintf(err, errlen, "%s:%d:%d: duplicate key '%s'", node->source,
                             node->key_lines[i], node->key_cols[i], node->keys[i]);
                    return -1;
                }
            xgc_msg_enc_key(enc, node->keys[i]);
        }
        if (s_node(enc, node->items[i], depth + 1, err, errlen) < 0)
            return -1;
    }
    map ? xgc_msg_enc_map_end(enc) : xgc_msg_enc_array_end(enc);
    return 0;
}

int xgc_json_to_msgpack(const char *text, size_t len, const char *name,
                        void **data, size_t *size, char *err, size_t errlen)
{
    xgc_yaml_node_t *root = xgc_yaml_load_string(text, len, name, err, errlen);
    if (!root)
        return -1;
    xgc_msg_enc_t enc;
    xgc_msg_enc_init(&enc);
    int rc = s_node(&enc, root, 0, err, errlen);
    xgc_yaml_destroy(&root);
    if (rc < 0) {
        xgc_msg_enc_dispose(&enc);
        return -1;
    }
    if (xgc_msg_enc_finish(&enc, data, size) < 0) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    return 0;
}
