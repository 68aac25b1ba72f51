/* Unit tests of pmd/cgroup: the cap/weight conversions, and the file
 * handling on fake v1 and v2 hierarchies made of ordinary directories. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xgc_test.h"
#include "pmd/cgroup.h"

XGC_TEST(conversions)
{
    CHECK(xgc_cgroup_v1_quota(0) == -1);
    CHECK(xgc_cgroup_v1_quota(25) == 5000);
    CHECK(xgc_cgroup_v1_quota(150) == 30000);
    CHECK(xgc_cgroup_cap_from_quota(-1, 100000) == 0);
    CHECK(xgc_cgroup_cap_from_quota(25000, 100000) == 25);
    CHECK(xgc_cgroup_cap_from_quota(25001, 100000) == 26);   /* rounded up */
    CHECK(xgc_cgroup_v1_shares(256) == 1024);
    CHECK(xgc_cgroup_v1_shares(0) == 1024);
    CHECK(xgc_cgroup_v1_shares(65535) == 262140);
    CHECK(xgc_cgroup_weight_from_shares(1024) == 256);
    CHECK(xgc_cgroup_weight_from_shares(2048) == 512);
    CHECK(xgc_cgroup_v2_weight(256) == 100);
    CHECK(xgc_cgroup_v2_weight(1) == 1);
    CHECK(xgc_cgroup_v2_weight(65535) == 10000);
    CHECK(xgc_cgroup_weight_from_v2(100) == 256);
    char buf[64];
    xgc_cgroup_v2_max(0, buf, sizeof buf);
    CHECK_STR(buf, "max 20000");
    xgc_cgroup_v2_max(25, buf, sizeof buf);
    CHECK_STR(buf, "5000 20000");
    CHECK(xgc_cgroup_cap_from_v2_max("max 100000\n") == 0);
    CHECK(xgc_cgroup_cap_from_v2_max("50000 100000\n") == 50);
    CHECK(xgc_cgroup_cap_from_v2_max("junk") == -1);
    CHECK(xgc_cgroup_v2_usage_ns("usage_usec 1500\nuser_usec 1000\n") == 1500000);
    CHECK(xgc_cgroup_v2_usage_ns("nr_periods 3\nusage_usec 7\n") == 7000);
    CHECK(xgc_cgroup_v2_usage_ns("user_usec 1000\n") == -1);
}

static void s_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void s_rm(const char *root)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", root);
}

XGC_TEST(fake_v1)
{
    char root[] = "/tmp/xgc-cg-XXXXXX", cpu[256], acct[256], err[256];
    CHECK(mkdtemp(root) != NULL);
    CHECK(xgc_cgroup_detect(root) == XGC_CGROUP_NONE);
    CHECK(xgc_cgroup_new(root, "xgc/pm1", "vm1", err, sizeof err) == NULL);
    CHECK(strstr(err, "no cpu controller") != NULL);
    snprintf(cpu, sizeof cpu, "%s/cpu", root);
    snprintf(acct, sizeof acct, "%s/cpuacct", root);
    mkdir(cpu, 0755);
    mkdir(acct, 0755);
    s_file(cpu, "cpu.cfs_quota_us", "-1\n");
    s_file(acct, "cpuacct.usage", "0\n");
    CHECK(xgc_cgroup_detect(root) == XGC_CGROUP_V1);
    CHECK(xgc_cgroup_open(root, "xgc/pm1", "vm1") == NULL);

    xgc_cgroup_t *cg = xgc_cgroup_new(root, "xgc/pm1", "vm1", err, sizeof err);
    CHECK(cg != NULL);
    CHECK(xgc_cgroup_version(cg) == XGC_CGROUP_V1);
    CHECK(xgc_cgroup_set_cap(cg, 25, err, sizeof err) == 0);
    CHECK(xgc_cgroup_cap(cg) == 25);
    CHECK(xgc_cgroup_set_weight(cg, 512, err, sizeof err) == 0);
    CHECK(xgc_cgroup_weight(cg) == 512);
    CHECK(xgc_cgroup_attach(cg, 4242, err, sizeof err) == 0);
    CHECK(xgc_cgroup_nprocs(cg) == 0);   /* a plain file has no newline */
    char dir[512];
    snprintf(dir, sizeof dir, "%s/xgc/pm1/vm1", acct);
    s_file(dir, "cpuacct.usage", "123456789\n");
    CHECK(xgc_cgroup_usage_ns(cg) == 123456789);
    xgc_cgroup_destroy(&cg);
    CHECK(cg == NULL);

    cg = xgc_cgroup_open(root, "xgc/pm1", "vm1");
    CHECK(cg != NULL);
    CHECK(xgc_cgroup_cap(cg) == 25);
    /* a real cgroup dir is empty once its tasks are gone; fake it */
    snprintf(dir, sizeof dir, "%s/xgc/pm1/vm1", cpu);
    s_rm(dir);
    snprintf(dir, sizeof dir, "%s/xgc/pm1/vm1", acct);
    s_rm(dir);
    CHECK(xgc_cgroup_remove(&cg, 50, err, sizeof err) == 0);
    CHECK(cg == NULL);
    CHECK(xgc_cgroup_open(root, "xgc/pm1", "vm1") == NULL);
    /* the empty parents go; a parent with a file (busy) would stay */
    xgc_cgroup_prune(root, "xgc/pm1");
    snprintf(dir, sizeof dir, "%s/xgc", cpu);
    CHECK(access(dir, F_OK) != 0);
    snprintf(dir, sizeof dir, "%s/xgc", acct);
    CHECK(access(dir, F_OK) != 0);
    s_rm(root);
}

XGC_TEST(fake_v2)
{
    char root[] = "/tmp/xgc-cg2-XXXXXX", err[256];
    CHECK(mkdtemp(root) != NULL);
    s_file(root, "cgroup.controllers", "cpuset cpu io memory\n");
    CHECK(xgc_cgroup_detect(root) == XGC_CGROUP_V2);
    xgc_cgroup_t *cg = xgc_cgroup_new(root, "xgc", "vm2", err, sizeof err);
    CHECK(cg != NULL);
    CHECK(xgc_cgroup_set_cap(cg, 50, err, sizeof err) == 0);
    CHECK(xgc_cgroup_cap(cg) == 50);
    CHECK(xgc_cgroup_set_cap(cg, 0, err, sizeof err) == 0);
    CHECK(xgc_cgroup_cap(cg) == 0);
    CHECK(xgc_cgroup_set_weight(cg, 256, err, sizeof err) == 0);
    CHECK(xgc_cgroup_weight(cg) == 256);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/xgc/vm2", root);
    s_file(dir, "cpu.stat", "usage_usec 42\n");
    CHECK(xgc_cgroup_usage_ns(cg) == 42000);
    /* the parent passes the cpu controller down */
    snprintf(dir, sizeof dir, "%s/xgc", root);
    FILE *f = fopen(strcat(dir, "/cgroup.subtree_control"), "r");
    CHECK(f != NULL);
    fclose(f);
    xgc_cgroup_destroy(&cg);
    s_file(root, "cgroup.controllers", "io memory\n");
    CHECK(xgc_cgroup_detect(root) == XGC_CGROUP_NONE);
    s_rm(root);
}

int main(void)
{
    XGC_TEST_RUN(conversions);
    XGC_TEST_RUN(fake_v1);
    XGC_TEST_RUN(fake_v2);
    return XGC_TEST_END();
}
