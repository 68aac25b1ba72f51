/* Unit tests of common/xgc_config: the embedded default, defaults, ports,
 * sections kept for other loaders, and precise errors (file:line:col and
 * the field) for malformed YAML and schema errors; command-line handling. */
#include <stdlib.h>
#include <unistd.h>

#include "xgc_config.h"
#include "xgc_test.h"

static xgc_config_t *s_load(const char *text, char *err)
{
    return xgc_config_load_string(text, strlen(text), "t.yaml", err, XGC_ERR_MAX);
}

XGC_TEST(embedded_default_loads)
{
    char err[XGC_ERR_MAX];
    xgc_config_t *cfg = xgc_config_load_default(err, sizeof err);
    CHECK(cfg);
    CHECK_STR(cfg->cluster, "demo");
    CHECK_STR(cfg->broker_endpoint, "tcp://127.0.0.1:7700");
    CHECK(cfg->broker_port == 7700);
    CHECK(strstr(xgc_config_default_text(), "cluster: demo"));
    xgc_config_destroy(&cfg);
    CHECK(cfg == NULL);
}

XGC_TEST(defaults_ports_and_sections)
{
    char err[XGC_ERR_MAX], ep[64];
    xgc_config_t *cfg = s_load("cluster: c1\nbroker: {endpoint: 'tcp://*:9000'}\n"
                               "pms: [{name: a}]\nvms: []\nscheduler: {algorithm: pemm}\n"
                               "log: {level: debug}\n", err);
    CHECK(cfg);
    CHECK_STR(cfg->data_dir, "/var/tmp/xgc/c1");
    CHECK(cfg->max_msg_bytes == XGC_MAX_MSG_BYTES_DEFAULT);
    CHECK_STR(cfg->log_level, "debug");
    CHECK(cfg->pms && cfg->pms->kind == XGC_YAML_SEQ && cfg->pms->count == 1);
    CHECK(cfg->vms && cfg->vms->count == 0);
    CHECK(cfg->scheduler && cfg->scheduler->line == 5);
    CHECK(cfg->security == NULL && cfg->injectors == NULL && cfg->metrics == NULL);
    CHECK(xgc_config_bind_endpoint(cfg, XGC_PORT_TAP, ep, sizeof ep) == 0);
    CHECK_STR(ep, "tcp://*:9004");
    CHECK(xgc_config_endpoint(cfg, XGC_PORT_EV_IN, ep, sizeof ep) == 0);
    CHECK_STR(ep, "tcp://127.0.0.1:9002");
    CHECK(xgc_config_endpoint(cfg, XGC_PORT_COUNT, ep, sizeof ep) < 0);
    CHECK(xgc_config_endpoint(cfg, XGC_PORT_STATE, ep, 8) < 0);
    xgc_config_destroy(&cfg);
}

XGC_TEST(schema_errors_name_position_and_field)
{
    static const struct { const char *text, *error; } cases[] = {
        {"broker: {endpoint: 'tcp://h:1'}\n", "t.yaml:1:1: field 'cluster': missing"},
        {"cluster: demo\n", "t.yaml:1:1: field 'broker': missing"},
        {"cluster: demo\nbroker: {}\n", "t.yaml:2:9: field 'endpoint': missing"},
        {"cluster: demo\nbroker:\n  endpoint: udp://x:1\n",
         "t.yaml:3:13: field 'endpoint': 'udp://x:1' is not tcp://HOST:PORT"},
        {"cluster: demo\nbroker:\n  endpoint: tcp://x:65535\n",
         "t.yaml:3:13: field 'endpoint': port must be 1..65531 (the broker uses 5 ports from it)"},
        {"cluster: demo\nbroker:\n  endpoint: tcp://x:1\n  hwm: 3\n",
         "t.yaml:4:3: field 'hwm': unknown key in broker"},
        {"cluster: demo\nbroker: {endpoint: 'tcp://x:1'}\nvm: []\n",
         "t.yaml:3:1: field 'vm': unknown key in the deployment"},
        {"cluster: a/b\nbroker: {endpoint: 'tcp://x:1'}\n",
         "t.yaml:1:10: field 'cluster': 'a/b' may hold only letters, digits, '_', '.', '-'"},
        {"cluster: [x]\nbroker: {endpoint: 'tcp://x:1'}\n",
         "t.yaml:1:10: field 'cluster': expected a scalar, found a sequence"},
        {"cluster: x\nbroker: {endpoint: 'tcp://x:1', max_msg_bytes: lots}\n",
         "t.yaml:2:48: field 'max_msg_bytes': 'lots' is not an integer"},
        {"cluster: x\nbroker: {endpoint: 'tcp://x:1'}\nlog: {level: loud}\n",
         "t.yaml:3:14: field 'level': 'loud' is not error, warn, info or debug"},
        {"cluster: a\nbroker: {endpoint: 'tcp://x:1'}\ncluster: b\n",
         "t.yaml:3:1: field 'cluster': duplicate key in the deployment"},
        {"- a\n- b\n", "t.yaml:1:1: a deployment must be a mapping"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[XGC_ERR_MAX] = "";
        xgc_config_t *cfg = s_load(cases[i].text, err);
        CHECK(cfg == NULL);
        CHECK_STR(err, cases[i].error);
    }
}

XGC_TEST(malformed_yaml_gives_position)
{
    char err[XGC_ERR_MAX];
    CHECK(s_load("cluster: demo\nbroker:\n  endpoint: [tcp\n", err) == NULL);
    CHECK(strncmp(err, "t.yaml:4:1: ", 12) == 0);
    CHECK(s_load("cluster: demo\n\tbroker: x\n", err) == NULL);
    CHECK(strncmp(err, "t.yaml:2:1: ", 12) == 0);
    CHECK(xgc_config_load("/nonexistent/x.yaml", err, sizeof err) == NULL);
    CHECK_STR(err, "/nonexistent/x.yaml: No such file or directory");
}

XGC_TEST(command_line_options)
{
    char err[XGC_ERR_MAX];
    char path[] = "/tmp/xgc-test-config-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char text[] = "cluster: fromfile\nbroker: {endpoint: 'tcp://127.0.0.1:7800'}\n";
    CHECK(write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
    close(fd);
    char *argv[] = {"prog", "-v", "-c", path, "rest", NULL};
    int argc = 5, help = 0;
    xgc_config_t *cfg = xgc_config_from_args(&argc, argv, &help, err, sizeof err);
    unlink(path);
    CHECK(cfg && !help);
    CHECK_STR(cfg->cluster, "fromfile");
    CHECK(argc == 3);
    CHECK_STR(argv[1], "-v");
    CHECK_STR(argv[2], "rest");
    CHECK(argv[3] == NULL);
    xgc_config_destroy(&cfg);

    char *argv2[] = {"prog", "--config=/nonexistent.yaml", NULL};
    argc = 2;
    CHECK(xgc_config_from_args(&argc, argv2, &help, err, sizeof err) == NULL && !help);
    CHECK_STR(err, "/nonexistent.yaml: No such file or directory");
    char *argv3[] = {"prog", "x", "--help", NULL};
    argc = 3;
    CHECK(xgc_config_from_args(&argc, argv3, &help, err, sizeof err) == NULL && help);
    char *argv4[] = {"prog", "-c", NULL};
    argc = 2;
    CHECK(xgc_config_from_args(&argc, argv4, &help, err, sizeof err) == NULL && !help);
    CHECK_STR(err, "option -c needs a file");
    char *argv5[] = {"prog", NULL};
    argc = 1;
    unsetenv("XGC_CONFIG");
    cfg = xgc_config_from_args(&argc, argv5, &help, err, sizeof err);
    CHECK(cfg && !strcmp(cfg->cluster, "demo"));
    xgc_config_destroy(&cfg);
}

int main(void)
{
    XGC_TEST_RUN(embedded_default_loads);
    XGC_TEST_RUN(defaults_ports_and_sections);
    XGC_TEST_RUN(schema_errors_name_position_and_field);
    XGC_TEST_RUN(malformed_yaml_gives_position);
    XGC_TEST_RUN(command_line_options);
    return XGC_TEST_END();
}
