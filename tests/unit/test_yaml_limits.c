/* Unit tests of the limits added to common/xgc_yaml: alias expansion ("a
 * billion laughs"), repeated keys, block scalars typed as strings. */
#include <stdlib.h>

#include "xgc_test.h"
#include "xgc_yaml.h"

XGC_TEST(alias_bomb_is_refused)
{
    /* 9 levels of 9 aliases each: 387 million nodes if expanded. */
    char text[2048] = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 10; i++) {
        char line[160];
        snprintf(line, sizeof line, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
                 i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
        strcat(text, line);
    }
    char err[XGC_ERR_MAX];
    CHECK(xgc_yaml_load_string(text, strlen(text), "b.yaml", err, sizeof err) == NULL);
    CHECK_STR(err, "b.yaml:1:1: unsupported YAML: aliases expand to too many nodes");
    /* Modest use of aliases still works. */
    const char ok[] = "d: &d {cpu: 1}\nx: *d\ny: *d\n";
    xgc_yaml_node_t *root = xgc_yaml_load_string(ok, sizeof ok - 1, "ok.yaml", err, sizeof err);
    CHECK(root && xgc_yaml_get(xgc_yaml_get(root, "y"), "cpu"));
    xgc_yaml_destroy(&root);
}

XGC_TEST(repeated_and_deep)
{
    char err[XGC_ERR_MAX];
    const char dup[] = "a: 1\nb: 2\na: 3\n";
    xgc_yaml_node_t *root = xgc_yaml_load_string(dup, sizeof dup - 1, "d.yaml", err, sizeof err);
    CHECK(root);
    const char *const allowed[] = {"a", "b", NULL};
    CHECK(xgc_yaml_check_keys(root, allowed, "test", err, sizeof err) < 0);
    CHECK_STR(err, "d.yaml:3:1: field 'a': duplicate key in test");
    xgc_yaml_destroy(&root);
    char deep[300] = "";
    for (int i = 0; i < 70; i++)
        strcat(deep, "[");
    CHECK(xgc_yaml_load_string(deep, strlen(deep), "n.yaml", err, sizeof err) == NULL);
    for (int i = 0; i < 70; i++)
        strcat(deep, "]");
    CHECK(xgc_yaml_load_string(deep, strlen(deep), "n.yaml", err, sizeof err) == NULL);
    CHECK_STR(err, "n.yaml:1:1: unsupported YAML: nesting deeper than 64 levels");
}

XGC_TEST(block_scalars_are_strings)
{
    char err[XGC_ERR_MAX];
    const char text[] = "a: |\n  12\nb: >\n  13\nc: 14\n";
    xgc_yaml_node_t *root = xgc_yaml_load_string(text, sizeof text - 1, "s.yaml", err, sizeof err);
    CHECK(root);
    CHECK(xgc_yaml_get(root, "a")->quoted && xgc_yaml_get(root, "b")->quoted);
    CHECK(!xgc_yaml_get(root, "c")->quoted);
    xgc_yaml_destroy(&root);
}

int main(void)
{
    XGC_TEST_RUN(alias_bomb_is_refused);
    XGC_TEST_RUN(repeated_and_deep);
    XGC_TEST_RUN(block_scalars_are_strings);
    return XGC_TEST_END();
}
