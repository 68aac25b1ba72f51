/* Unit tests of tools/deploy: the per-PM `pmd:` setting (local, launcher,
 * external) with its errors at file:line:col, and launchers as process
 * groups: `xgc down` (xgc_deploy_stop_all) stops what a launcher started in
 * the foreground too; a pid file whose start time does not match is not
 * taken for a live process (a reused pid is never signalled). */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "tools/deploy.h"
#include "xgc_test.h"
#include "xgc_test_dir.h"

#define HEAD "cluster: t\nbroker: {endpoint: 'tcp://127.0.0.1:27990'}\n"

static int s_pmds(const char *text, xgc_deploy_pmd_t **out, size_t *n, char *err)
{
    xgc_config_t *cfg = xgc_config_load_string(text, strlen(text), "t.yaml", err, XGC_ERR_MAX);
    if (!cfg)
        return -2;
    int rc = xgc_deploy_pmds(cfg, out, n, err, XGC_ERR_MAX);
    xgc_config_destroy(&cfg);
    return rc;
}

XGC_TEST(modes_in_order)
{
    xgc_deploy_pmd_t *p = NULL;
    size_t n = 0;
    char err[XGC_ERR_MAX];
    CHECK(s_pmds(HEAD "pms:\n"
                 "  - {name: a, cpu_mhz: 1, mem_mb: 1}\n"
                 "  - {name: b, cpu_mhz: 1, mem_mb: 1, pmd: {launcher: 'XEN_SMP=1 ./h run b 2',"
                 " ready_timeout_s: 900}}\n"
                 "  - {name: c, cpu_mhz: 1, mem_mb: 1, pmd: {external: true}}\n"
                 "  - {name: d, cpu_mhz: 1, mem_mb: 1, pmd: {external: false}}\n",
                 &p, &n, err) == 0);
    CHECK(n == 4);
    CHECK_STR(p[0].pm, "a");
    CHECK(p[0].mode == XGC_DEPLOY_PMD_LOCAL && p[0].ready_timeout_s == 0);
    CHECK_STR(p[1].pm, "b");
    CHECK(p[1].mode == XGC_DEPLOY_PMD_LAUNCHER);
    CHECK_STR(p[1].launcher, "XEN_SMP=1 ./h run b 2");
    CHECK(p[1].ready_timeout_s == 900);
    CHECK(p[2].mode == XGC_DEPLOY_PMD_EXTERNAL);
    CHECK(p[3].mode == XGC_DEPLOY_PMD_LOCAL);
    free(p);
    CHECK(s_pmds(HEAD, &p, &n, err) == 0 && p == NULL && n == 0);
}

/* Each bad setting is refused at its position, naming the field. */
XGC_TEST(errors_name_position_and_field)
{
    static const struct {
        const char *pmd, *want;
    } cases[] = {
        {"pmd: local", "t.yaml:4:43: field 'pmd': expected a mapping"},
        {"pmd: {lunch: x}", "t.yaml:4:44: field 'lunch': unknown key in pmd"},
        {"pmd: {launcher: x, external: true}",
         "t.yaml:4:67: field 'external': a pmd with a launcher is not external"},
        {"pmd: {launcher: ''}", "t.yaml:4:54: field 'launcher': must be a command"},
        {"pmd: {external: maybe}", "t.yaml:4:54: field 'external'"},
        {"pmd: {external: true, ready_timeout_s: 0}",
         "t.yaml:4:77: field 'ready_timeout_s': must be 1..86400 (0)"},
        {"pmd: {ready_timeout_s: 5}",
         "t.yaml:4:61: field 'ready_timeout_s': only for a pmd with a launcher"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[512], err[XGC_ERR_MAX] = "";
        xgc_deploy_pmd_t *p = (xgc_deploy_pmd_t *)&text;   /* must be reset */
        size_t n = 7;
        snprintf(text, sizeof text, HEAD "pms:\n  - {name: a, cpu_mhz: 1, mem_mb: 1, %s}\n",
                 cases[i].pmd);
        CHECK(s_pmds(text, &p, &n, err) == -1);
        CHECK(p == NULL && n == 0);
        if (!strstr(err, cases[i].want))
            fprintf(stderr, "  case %zu: got '%s', want '%s'\n", i, err, cases[i].want);
        CHECK(strstr(err, cases[i].want));
    }
}

static bool s_alive(pid_t pid)
{
    return kill(pid, 0) == 0;
}

/* A launcher's foreground child (here a sleep) is stopped with it. */
XGC_TEST(launcher_group_stopped_together)
{
    char dir[] = "/tmp/xgc-test-deploy.XXXXXX", text[512], err[XGC_ERR_MAX], pidf[600];
    CHECK(mkdtemp(dir));
    snprintf(text, sizeof text, HEAD "data_dir: %s\n", dir);
    xgc_config_t *cfg = xgc_config_load_string(text, strlen(text), "t.yaml", err, sizeof err);
    CHECK(cfg);
    const char *env[] = {"XGC_PM=a", NULL};
    pid_t pid = xgc_deploy_launch(cfg, "host-a", "echo $XGC_PM $(pwd) > env.out; "
                                  "sleep 60 & echo $! > child.pid; wait", dir, env);
    CHECK(pid > 0);
    char path[600];
    snprintf(path, sizeof path, "%s/child.pid", dir);
    int child = 0;
    for (int i = 0; i < 100 && !child; i++) {
        FILE *f = fopen(path, "r");
        if (!f || fscanf(f, "%d", &child) != 1)
            child = 0;
        if (f)
            fclose(f);
        if (!child)
            usleep(20000);
    }
    CHECK(child > 0);
    CHECK(xgc_deploy_running(cfg, "host-a") == pid);
    snprintf(path, sizeof path, "%s/env.out", dir);
    FILE *f = fopen(path, "r");
    char line[600] = "", want[600];
    CHECK(f && fgets(line, sizeof line, f));
    if (f)
        fclose(f);
    snprintf(want, sizeof want, "a %s\n", dir);
    CHECK_STR(line, want);
    int left = -1;
    CHECK(xgc_deploy_stop_all(cfg, 2000, &left) == 1 && left == 0);
    for (int i = 0; i < 100 && s_alive(child); i++)
        usleep(20000);
    CHECK(!s_alive(pid) && !s_alive(child));
    /* A pid file with our own pid but another start time: not ours. */
    const char *files[][2] = {{"pid", "%d\n"}, {"start", "1%d\n"}};
    for (int i = 0; i < 2; i++) {
        snprintf(pidf, sizeof pidf, "%s/run/host-b.%s", dir, files[i][0]);
        f = fopen(pidf, "w");
        CHECK(f);
        if (f) {
            fprintf(f, files[i][1], (int)getpid());
            fclose(f);
        }
    }
    CHECK(xgc_deploy_running(cfg, "host-b") == 0);
    xgc_config_destroy(&cfg);
    xgc_test_rmrf(dir);
}

int main(void)
{
    XGC_TEST_RUN(modes_in_order);
    XGC_TEST_RUN(errors_name_position_and_field);
    XGC_TEST_RUN(launcher_group_stopped_together);
    return XGC_TEST_END();
}
