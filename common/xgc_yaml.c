/* xgc_yaml — see xgc_yaml.h. libyaml's document API does the parsing; we copy
 * the document into our own nodes so that no libyaml type leaks out. */
#include "xgc_yaml.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

/* Nesting deeper than this is refused: a hostile document cannot exhaust the
 * stack of the recursive copy. */
#define XGC_YAML_MAX_DEPTH 64

/* Aliases are copied, so a small document can expand exponentially ("a
 * billion laughs"): the copy may hold at most this many nodes beyond a few
 * copies of the document's own. */
#define XGC_YAML_MAX_EXTRA_NODES 100000
#define S_STR(x) S_STR2(x)
#define S_STR2(x) #x

typedef struct {
    yaml_document_t *doc;
    const char *source;
    size_t budget;               /* nodes the copy may still create */
    const char *problem;         /* why the copy stopped */
} s_copier_t;

static xgc_yaml_node_t *s_copy(s_copier_t *copier, yaml_node_t *src, int depth);

static void s_mark(xgc_yaml_node_t *node, const yaml_mark_t *mark)
{
    node->line = (int)mark->line + 1;
    node->col = (int)mark->column + 1;
}

static int s_copy_seq(s_copier_t *copier, yaml_node_t *src, xgc_yaml_node_t *node, int depth)
{
    size_t n = (size_t)(src->data.sequence.items.top - src->data.sequence.items.start);
    node->items = calloc(n ? n : 1, sizeof *node->items);
    if (!node->items)
        return -1;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *child = yaml_document_get_node(copier->doc,
                                                    src->data.sequence.items.start[i]);
        node->items[i] = s_copy(copier, child, depth + 1);
        if (!node->items[i])
            return -1;
        node->count = i + 1;
    }
    return 0;
}

static int s_copy_map(s_copier_t *copier, yaml_node_t *src, xgc_yaml_node_t *node, int depth)
{
    size_t n = (size_t)(src->data.mapping.pairs.top - src->data.mapping.pairs.start);
    node->items = calloc(n ? n : 1, sizeof *node->items);
    node->keys = calloc(n ? n : 1, sizeof *node->keys);
    node->key_lines = calloc(n ? n : 1, sizeof *node->key_lines);
    node->key_cols = calloc(n ? n : 1, sizeof *node->key_cols);
    if (!node->items || !node->keys || !node->key_lines || !node->key_cols)
        return -1;
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *pair = &src->data.mapping.pairs.start[i];
        yaml_node_t *key = yaml_document_get_node(copier->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(copier->doc, pair->value);
        if (!key || key->type != YAML_SCALAR_NODE) {
            copier->problem = "complex keys are not supported";
            return -1;   /* not part of any xgc schema */
        }
        node->keys[i] = strndup((const char *)key->data.scalar.value,
                                key->data.scalar.length);
        node->key_lines[i] = (int)key->start_mark.line + 1;
        node->key_cols[i] = (int)key->start_mark.column + 1;
        node->items[i] = s_copy(copier, value, depth + 1);
        if (!node->keys[i] || !node->items[i]) {
            free(node->keys[i]);
            xgc_yaml_destroy(&node->items[i]);
            return -1;
        }
        node->count = i + 1;
    }
    return 0;
}

static xgc_yaml_node_t *s_copy(s_copier_t *copier, yaml_node_t *src, int depth)
{
    if (!src || depth > XGC_YAML_MAX_DEPTH || copier->budget == 0) {
        copier->problem = depth > XGC_YAML_MAX_DEPTH
                        ? "nesting deeper than " S_STR(XGC_YAML_MAX_DEPTH) " levels"
                        : copier->budget == 0 ? "aliases expand to too many nodes"
                        : "invalid node";
        return NULL;
    }
    copier->budget--;
    xgc_yaml_node_t *node = calloc(1, sizeof *node);
    if (!node)
        return NULL;
    node->source = copier->source;
    s_mark(node, &src->start_mark);
    int rc = 0;
    switch (src->type) {
    case YAML_SCALAR_NODE:
        node->kind = XGC_YAML_SCALAR;
        node->value = strndup((const char *)src->data.scalar.value, src->data.scalar.length);
        /* Quoted and block (| >) scalars are always strings. */
        node->quoted = src->data.scalar.style != YAML_PLAIN_SCALAR_STYLE
                    && src->data.scalar.style != YAML_ANY_SCALAR_STYLE;
        rc = node->value ? 0 : -1;
        break;
    case YAML_SEQUENCE_NODE:
        node->kind = XGC_YAML_SEQ;
        rc = s_copy_seq(copier, src, node, depth);
        break;
    case YAML_MAPPING_NODE:
        node->kind = XGC_YAML_MAP;
        rc = s_copy_map(copier, src, node, depth);
        break;
    default:
        rc = -1;
    }
    if (rc != 0)
        xgc_yaml_destroy(&node);
    return node;
}

static xgc_yaml_node_t *s_load(yaml_parser_t *parser, const char *name,
                               char *err, size_t errlen)
{
    yaml_document_t doc;
    xgc_yaml_node_t *root = NULL;
    if (!yaml_parser_load(parser, &doc)) {
        snprintf(err, errlen, "%s:%zu:%zu: %s%s%s", name,
                 parser->problem_mark.line + 1, parser->problem_mark.column + 1,
                 parser->problem ? parser->problem : "invalid YAML",
                 parser->context ? " " : "", parser->context ? parser->context : "");
        return NULL;
    }
    yaml_node_t *top = yaml_document_get_root_node(&doc);
    size_t nodes = (size_t)(doc.nodes.top - doc.nodes.start);
    s_copier_t copier = {&doc, name, 4 * nodes + XGC_YAML_MAX_EXTRA_NODES, "out of memory"};
    if (!top)
        snprintf(err, errlen, "%s:1:1: empty document", name);
    else if (!(root = s_copy(&copier, top, 0)))
        snprintf(err, errlen, "%s:%zu:%zu: unsupported YAML: %s", name,
                 top->start_mark.line + 1, top->start_mark.column + 1, copier.problem);
    yaml_document_delete(&doc);
    return root;
}

/* Every node points at one copy of the source name, owned by the root. */
static xgc_yaml_node_t *s_load_named(yaml_parser_t *parser, const char *name,
                                     char *err, size_t errlen)
{
    char *owned = strdup(name);
    if (!owned) {
        snprintf(err, errlen, "%s: out of memory", name);
        return NULL;
    }
    xgc_yaml_node_t *root = s_load(parser, owned, err, errlen);
    if (root)
        root->source_owned = owned;
    else
        free(owned);
    return root;
}

xgc_yaml_node_t *xgc_yaml_load_file(const char *path, char *err, size_t errlen)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, file);
    xgc_yaml_node_t *root = s_load_named(&parser, path, err, errlen);
    yaml_parser_delete(&parser);
    fclose(file);
    return root;
}

xgc_yaml_node_t *xgc_yaml_load_string(const char *text, size_t len,
                                      const char *name, char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    xgc_yaml_node_t *root = s_load_named(&parser, name, err, errlen);
    yaml_parser_delete(&parser);
    return root;
}

static void s_free_tree(xgc_yaml_node_t *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->count; i++) {
        s_free_tree(node->items[i]);
        if (node->keys)
            free(node->keys[i]);
    }
    free(node->items);
    free(node->keys);
    free(node->key_lines);
    free(node->key_cols);
    free(node->value);
    free(node->source_owned);
    free(node);
}

void xgc_yaml_destroy(xgc_yaml_node_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_free_tree(*self_p);
    *self_p = NULL;
}

const xgc_yaml_node_t *xgc_yaml_get(const xgc_yaml_node_t *map, const char *key)
{
    if (!map || map->kind != XGC_YAML_MAP)
        return NULL;
    for (size_t i = 0; i < map->count; i++)
        if (strcmp(map->keys[i], key) == 0)
            return map->items[i];
    return NULL;
}

int xgc_yaml_error(char *err, size_t errlen, const xgc_yaml_node_t *node,
                   const char *field, const char *fmt, ...)
{
    char reason[XGC_ERR_MAX];
    va_list args;
    va_start(args, fmt);
    vsnprintf(reason, sizeof reason, fmt, args);
    va_end(args);
    if (node && field)
        snprintf(err, errlen, "%s:%d:%d: field '%s': %s", node->source, node->line,
                 node->col, field, reason);
    else if (node)
        snprintf(err, errlen, "%s:%d:%d: %s", node->source, node->line, node->col, reason);
    else
        snprintf(err, errlen, "%s", reason);
    return -1;
}

static int s_scalar(const xgc_yaml_node_t *node, const char *field, char *err, size_t errlen)
{
    if (!node)
        return xgc_yaml_error(err, errlen, NULL, field, "field '%s' is missing", field);
    if (node->kind != XGC_YAML_SCALAR)
        return xgc_yaml_error(err, errlen, node, field, "expected a scalar, found a %s",
                              node->kind == XGC_YAML_MAP ? "mapping" : "sequence");
    return 0;
}

int xgc_yaml_double(const xgc_yaml_node_t *node, const char *field,
                    double *out, char *err, size_t errlen)
{
    if (s_scalar(node, field, err, errlen) < 0)
        return -1;
    char *end;
    errno = 0;
    double value = strtod(node->value, &end);
    if (node->quoted || end == node->value || *end != '\0' || errno || !isfinite(value))
        return xgc_yaml_error(err, errlen, node, field, "'%s' is not a number", node->value);
    *out = value;
    return 0;
}

int xgc_yaml_long(const xgc_yaml_node_t *node, const char *field,
                  long *out, char *err, size_t errlen)
{
    if (s_scalar(node, field, err, errlen) < 0)
        return -1;
    char *end;
    errno = 0;
    long value = strtol(node->value, &end, 10);
    if (node->quoted || end == node->value || *end != '\0' || errno)
        return xgc_yaml_error(err, errlen, node, field, "'%s' is not an integer", node->value);
    *out = value;
    return 0;
}

int xgc_yaml_bool(const xgc_yaml_node_t *node, const char *field,
                  bool *out, char *err, size_t errlen)
{
    if (s_scalar(node, field, err, errlen) < 0)
        return -1;
    const char *v = node->value;
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on"))
        *out = true;
    else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off"))
        *out = false;
    else
        return xgc_yaml_error(err, errlen, node, field, "'%s' is not a boolean", v);
    return 0;
}

int xgc_yaml_string(const xgc_yaml_node_t *node, const char *field,
                    const char **out, char *err, size_t errlen)
{
    if (s_scalar(node, field, err, errlen) < 0)
        return -1;
    *out = node->value;
    return 0;
}

int xgc_yaml_check_keys(const xgc_yaml_node_t *map, const char *const *allowed,
                        const char *where, char *err, size_t errlen)
{
    if (!map || map->kind != XGC_YAML_MAP)
        return xgc_yaml_error(err, errlen, map, where, "expected a mapping");
    for (size_t i = 0; i < map->count; i++) {
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, map->keys[i]) == 0;
        if (!known) {
            snprintf(err, errlen, "%s:%d:%d: field '%s': unknown key in %s",
                     map->source, map->key_lines[i], map->key_cols[i], map->keys[i], where);
            return -1;
        }
        /* A repeated key would be read once and silently ignored once. Only
         * known keys get here, so this loop stays short. */
        for (size_t j = 0; j < i; j++)
            if (strcmp(map->keys[j], map->keys[i]) == 0) {
                snprintf(err, errlen, "%s:%d:%d: field '%s': duplicate key in %s",
                         map->source, map->key_lines[i], map->key_cols[i], map->keys[i],
                         where);
                return -1;
            }
    }
    return 0;
}
