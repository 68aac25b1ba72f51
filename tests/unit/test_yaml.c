/* Unit tests of common/xgc_yaml: positions, typed getters, error texts. */
#include "xgc_test.h"
#include "xgc_yaml.h"

static const char doc[] =
    "cluster: demo\n"
    "broker:\n"
    "  endpoint: tcp://127.0.0.1:7700\n"
    "  port: 7700\n"
    "  quoted: \"12\"\n"
    "list: [1, 2.5, x]\n";

XGC_TEST(reads_positions_and_values)
{
    char err[XGC_ERR_MAX];
    xgc_yaml_node_t *root = xgc_yaml_load_string(doc, sizeof doc - 1, "t.yaml", err, sizeof err);
    CHECK(root);
    const xgc_yaml_node_t *broker = xgc_yaml_get(root, "broker");
    CHECK(broker && broker->kind == XGC_YAML_MAP && broker->line == 3);
    long port;
    CHECK(xgc_yaml_long(xgc_yaml_get(broker, "port"), "port", &port, err, sizeof err) == 0);
    CHECK(port == 7700);
    double d;
    CHECK(xgc_yaml_double(xgc_yaml_get(broker, "quoted"), "quoted", &d, err, sizeof err) < 0);
    CHECK_STR(err, "t.yaml:5:11: field 'quoted': '12' is not a number");
    const xgc_yaml_node_t *list = xgc_yaml_get(root, "list");
    CHECK(list->kind == XGC_YAML_SEQ && list->count == 3);
    CHECK(xgc_yaml_double(list->items[2], "list", &d, err, sizeof err) < 0);
    xgc_yaml_destroy(&root);
    CHECK(root == NULL);
}

XGC_TEST(unknown_key_is_named_with_position)
{
    char err[XGC_ERR_MAX];
    xgc_yaml_node_t *root = xgc_yaml_load_string(doc, sizeof doc - 1, "t.yaml", err, sizeof err);
    CHECK(root);
    const char *const allowed[] = {"cluster", "broker", NULL};
    CHECK(xgc_yaml_check_keys(root, allowed, "the deployment", err, sizeof err) < 0);
    CHECK_STR(err, "t.yaml:6:1: field 'list': unknown key in the deployment");
    xgc_yaml_destroy(&root);
}

XGC_TEST(malformed_yaml_gives_line_and_column)
{
    char err[XGC_ERR_MAX];
    const char bad[] = "a: 1\nb: [1, 2\n";
    CHECK(xgc_yaml_load_string(bad, sizeof bad - 1, "bad.yaml", err, sizeof err) == NULL);
    CHECK(strncmp(err, "bad.yaml:3:1: ", 14) == 0);
    CHECK(xgc_yaml_load_string("", 0, "e.yaml", err, sizeof err) == NULL);
    CHECK_STR(err, "e.yaml:1:1: empty document");
    CHECK(xgc_yaml_load_file("/nonexistent/x.yaml", err, sizeof err) == NULL);
}

int main(void)
{
    XGC_TEST_RUN(reads_positions_and_values);
    XGC_TEST_RUN(unknown_key_is_named_with_position);
    XGC_TEST_RUN(malformed_yaml_gives_line_and_column);
    return XGC_TEST_END();
}
