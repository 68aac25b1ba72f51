/* xgc_yaml — a YAML document as a small tree that remembers where each node
 * came from, so that every loader (deployments, instances, `xgc set` values)
 * can refuse bad input with file:line:column and the field's name.
 *
 * libyaml parses; this module only copies its document into plain nodes
 * (aliases resolved) and offers typed getters that format errors uniformly.
 */
#ifndef XGC_YAML_H
#define XGC_YAML_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { XGC_YAML_SCALAR, XGC_YAML_SEQ, XGC_YAML_MAP } xgc_yaml_kind_t;

typedef struct xgc_yaml_node xgc_yaml_node_t;
struct xgc_yaml_node {
    xgc_yaml_kind_t kind;
    int line, col;              /* 1-based position in the source */
    char *value;                /* SCALAR: the text; NULL otherwise */
    bool quoted;                /* SCALAR written in quotes: always a string */
    size_t count;               /* SEQ: items; MAP: key/value pairs */
    char **keys;                /* MAP: keys (scalars), count of them */
    int *key_lines, *key_cols;  /* MAP: where each key is */
    xgc_yaml_node_t **items;    /* SEQ: items; MAP: values, in key order */
    const char *source;         /* file name (shared by the whole tree) */
    char *source_owned;         /* root only: the storage of `source` */
};

/* Error text buffer size that every loader uses. */
#define XGC_ERR_MAX 512

/* Load a file / a string (name used in messages). Returns the root node or
 * NULL with "file:line:col: reason" in err. An empty document is an error. */
xgc_yaml_node_t *xgc_yaml_load_file(const char *path, char *err, size_t errlen);
xgc_yaml_node_t *xgc_yaml_load_string(const char *text, size_t len,
                                      const char *name, char *err, size_t errlen);
void xgc_yaml_destroy(xgc_yaml_node_t **self_p);

/* Value under `key` in a MAP node, or NULL. */
const xgc_yaml_node_t *xgc_yaml_get(const xgc_yaml_node_t *map, const char *key);

/* Typed reads of a scalar. Return 0, or -1 with
 * "source:line:col: field 'name': reason" in err. */
int xgc_yaml_double(const xgc_yaml_node_t *node, const char *field,
                    double *out, char *err, size_t errlen);
int xgc_yaml_long(const xgc_yaml_node_t *node, const char *field,
                  long *out, char *err, size_t errlen);
int xgc_yaml_bool(const xgc_yaml_node_t *node, const char *field,
                  bool *out, char *err, size_t errlen);
int xgc_yaml_string(const xgc_yaml_node_t *node, const char *field,
                    const char **out, char *err, size_t errlen);

/* Refuse keys of `map` that are not in the NULL-terminated `allowed` list:
 * returns -1 naming the first unknown key and its position. */
int xgc_yaml_check_keys(const xgc_yaml_node_t *map, const char *const *allowed,
                        const char *where, char *err, size_t errlen);

/* Format "source:line:col: field 'field': <fmt>" for node into err; returns -1
 * so that callers can `return xgc_yaml_error(...)`. */
int xgc_yaml_error(char *err, size_t errlen, const xgc_yaml_node_t *node,
                   const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
