/* xgc_kv — "key=value" lookups in a flat list of words, the format of a
 * kernel command line (words separated by blanks) and of xl's migration
 * options (separated by ';'). One reader for both, so that they agree on
 * the edge cases: a key must match a whole word's key, the first match
 * wins, a value too long for the buffer is cut. */
#ifndef XGC_KV_H
#define XGC_KV_H

#include <stddef.h>

/* Copy the value of key into out (NUL-terminated, cut to outlen - 1) from
 * text, whose words are separated by any of the characters in seps: 0, or
 * -1 if no word is "key=...". text may be NULL. */
int xgc_kv_get(const char *text, const char *seps, const char *key, char *out, size_t outlen);

#endif
