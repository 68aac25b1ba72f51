/* test_sim_loader.c — trace loaders on awkward inputs: names with spaces,
 * a bad line, a short file, hidden files and folders, a missing or empty
 * folder; the CSV format's header, capacities, gaps and errors. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scheduler/sim/trace.h"
#include "xgc_test.h"

static char s_dir[256];

static void s_write(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void s_cleanup(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (system(cmd)) {}
}

XGC_TEST(planetlab_awkward_folder)
{
    s_write("b vm with spaces", "10\n20\n30\n");
    s_write("a", "1\n2\n3\n");
    s_write("c bad", "1\nx\n3\n");
    s_write("d short", "1\n2\n");
    s_write("e range", "1\n200\n3\n");
    s_write(".hidden", "1\n2\n3\n");
    s_write("f trailing blank", "4\n5\n6\n\n");
    char sub[512];
    snprintf(sub, sizeof sub, "%s/sub", s_dir);
    mkdir(sub, 0755);
    char err[256] = "", warn[2048] = "";
    xgc_trace_t *t = xgc_trace_load_planetlab(s_dir, err, sizeof err, warn, sizeof warn);
    CHECK(t);
    CHECK(t->n_vms == 3 && t->n_steps == 3 && t->n_skipped == 3);
    CHECK_STR(t->vms[0].name, "a");
    CHECK_STR(t->vms[1].name, "b vm with spaces");
    CHECK_STR(t->vms[2].name, "f trailing blank");
    CHECK_NEAR(xgc_trace_cpu(t, 1, 2), 30, 0);
    CHECK(strstr(warn, "c bad: line 2") && strstr(warn, "d short") && strstr(warn, "e range"));
    /* ceil(3/4) = 1 VM per type, in file-name order */
    CHECK_NEAR(t->vms[0].mips, 2500, 0);
    CHECK_NEAR(t->vms[1].mips, 2000, 0);
    CHECK(t->vms[2].ram_mb == 1740);
    xgc_trace_destroy(&t);
    CHECK(t == NULL);
}

XGC_TEST(planetlab_missing_and_empty)
{
    char err[256] = "", warn[256] = "";
    CHECK(!xgc_trace_load_planetlab("/nonexistent/xgc", err, sizeof err, warn, sizeof warn));
    CHECK(strstr(err, "cannot open trace folder"));
    char empty[300];
    snprintf(empty, sizeof empty, "%s/sub", s_dir);
    CHECK(!xgc_trace_load_planetlab(empty, err, sizeof err, warn, sizeof warn));
    CHECK(strstr(err, "no usable trace file"));
}

XGC_TEST(csv_format)
{
    s_write("t.csv", "timestamp_s,vm,cpu\n"
                     "#capacity,big one,3000,2048\n"
                     "# a comment\n"
                     "0,big one,10\n"
                     "600,big one,30\n"
                     "0, small ,5\n"
                     "300,small,7\n");
    char path[512], err[256] = "";
    snprintf(path, sizeof path, "%s/t.csv", s_dir);
    xgc_trace_t *t = xgc_trace_load_csv(path, 300, err, sizeof err);
    CHECK(t);
    CHECK(t->n_vms == 2 && t->n_steps == 3);
    CHECK_STR(t->vms[0].name, "big one");
    CHECK_NEAR(t->vms[0].mips, 3000, 0);
    CHECK(t->vms[0].ram_mb == 2048);
    CHECK_NEAR(xgc_trace_cpu(t, 0, 1), 10, 0);    /* gap: held */
    CHECK_NEAR(xgc_trace_cpu(t, 0, 2), 30, 0);
    CHECK_NEAR(xgc_trace_cpu(t, 1, 2), 7, 0);
    CHECK_NEAR(t->vms[1].mips, 2500, 0);          /* undeclared: PlanetLab type 0 */
    xgc_trace_destroy(&t);
}

XGC_TEST(csv_errors)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/bad.csv", s_dir);
    s_write("bad.csv", "0,a,10\n300,a,abc\n");
    CHECK(!xgc_trace_load_csv(path, 300, err, sizeof err));
    CHECK(strstr(err, "bad.csv:2:"));
    s_write("bad.csv", "0,a,10\n150,a,20\n");
    CHECK(!xgc_trace_load_csv(path, 300, err, sizeof err));
    CHECK(strstr(err, "not a multiple"));
    s_write("bad.csv", "#capacity,a,-1,10\n");
    CHECK(!xgc_trace_load_csv(path, 300, err, sizeof err));
    s_write("bad.csv", "# nothing\n");
    CHECK(!xgc_trace_load_csv(path, 300, err, sizeof err));
    CHECK(strstr(err, "no samples"));
    CHECK(!xgc_trace_load_csv("/nonexistent.csv", 300, err, sizeof err));
}

XGC_TEST(workload_variants)
{
    float cpu[] = {1, 2, 3, 4, 10, 20, 30, 40};
    xgc_trace_t *t = xgc_trace_new(2, 4, 300, cpu);
    xgc_trace_t *half = xgc_trace_slice(t, 2, 4);
    CHECK(half && half->n_steps == 2);
    CHECK_NEAR(xgc_trace_cpu(half, 1, 0), 30, 0);
    CHECK(!xgc_trace_slice(t, 3, 3));
    xgc_trace_t *shift = xgc_trace_shift(t, 7);
    double sum = 0;
    for (int k = 0; k < 4; k++)
        sum += xgc_trace_cpu(shift, 1, k);
    CHECK_NEAR(sum, 100, 0);                      /* a rotation keeps the samples */
    xgc_trace_t *shuf = xgc_trace_shuffle_types(t, 3);
    CHECK_NEAR(shuf->vms[0].mips + shuf->vms[1].mips, 4500, 0);
    xgc_trace_destroy(&half);
    xgc_trace_destroy(&shift);
    xgc_trace_destroy(&shuf);
    xgc_trace_destroy(&t);
}

int main(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/xgc_test_loader.%d", (int)getpid());
    mkdir(s_dir, 0755);
    XGC_TEST_RUN(planetlab_awkward_folder);
    XGC_TEST_RUN(planetlab_missing_and_empty);
    XGC_TEST_RUN(csv_format);
    XGC_TEST_RUN(csv_errors);
    XGC_TEST_RUN(workload_variants);
    s_cleanup();
    return XGC_TEST_END();
}
