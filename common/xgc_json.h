/* xgc_json — msgpack ⇄ text, for people: `xgc tail --json`, `xgc get
 * --json` print values as JSON; `xgc set KEY VALUE` takes YAML or JSON.
 *
 * msgpack → JSON is total: any valid msgpack becomes strict JSON (jansson
 * writes it). Strings are escaped (invalid UTF-8 bytes become U+FFFD), bin
 * and ext become base64 strings, non-string map keys are stringified
 * (integers in decimal, others as their compact JSON), NaN and ±Inf become
 * null; when a map repeats a key, the last one wins.
 *
 * text → msgpack parses with xgc_yaml (so JSON, a subset of YAML, works too)
 * and types unquoted scalars like YAML 1.2's core schema: null/~/empty →
 * nil, true/false → bool, decimal or 0x integers → int, decimal floats and
 * .inf/.nan → float; everything else, and every quoted scalar, is a string.
 */
#ifndef XGC_JSON_H
#define XGC_JSON_H

#include <jansson.h>
#include <msgpack.h>
#include <stddef.h>

/* A new jansson value for a decoded object (never NULL but for out of
 * memory); json_decref it. */
json_t *xgc_json_from_object(const msgpack_object *obj);

/* Untrusted msgpack bytes → a jansson value (NULL + err if the bytes are not
 * exactly one valid msgpack object, see xgc_msg_decode). */
json_t *xgc_json_from_msgpack(const void *data, size_t size, char *err, size_t errlen);

/* Untrusted msgpack bytes → compact JSON text (malloc'd, free()), one line. */
char *xgc_json_text(const void *data, size_t size, char *err, size_t errlen);

/* YAML or JSON text → msgpack bytes (*data malloc'd, free()). `name` is used
 * in error messages ("name:line:col: reason"). Returns 0 or -1 + err. */
int xgc_json_to_msgpack(const char *text, size_t len, const char *name,
                        void **data, size_t *size, char *err, size_t errlen);

#endif
