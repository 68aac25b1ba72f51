/* Unit tests of pmd/qmp: line classification, query-migrate parsing, and a
 * whole exchange against a fake QEMU (a forked process on a unix socket)
 * that sends a greeting, an event before an answer, and an error. */
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xgc_test.h"
#include "pmd/qmp.h"

XGC_TEST(parse_kinds)
{
    char err[256] = "";
    json_t *v = NULL;
    CHECK(xgc_qmp_parse_line("{\"QMP\": {\"version\": {}}}", &v, err, sizeof err) == XGC_QMP_LINE_GREETING);
    CHECK(v == NULL);
    CHECK(xgc_qmp_parse_line("{\"return\": {\"status\": \"running\"}}", &v, err, sizeof err) == XGC_QMP_LINE_RETURN);
    CHECK_STR(json_string_value(json_object_get(v, "status")), "running");
    json_decref(v);
    CHECK(xgc_qmp_parse_line("{\"event\": \"STOP\", \"timestamp\": {}}", &v, err, sizeof err) == XGC_QMP_LINE_EVENT);
    CHECK(xgc_qmp_parse_line("{\"error\": {\"class\": \"GenericError\", \"desc\": \"no such\"}}",
                             &v, err, sizeof err) == XGC_QMP_LINE_ERROR);
    CHECK_STR(err, "GenericError: no such");
    CHECK(xgc_qmp_parse_line("not json", &v, err, sizeof err) == XGC_QMP_LINE_INVALID);
    CHECK(strstr(err, "bad line") != NULL);
    CHECK(xgc_qmp_parse_line("[1,2]", &v, err, sizeof err) == XGC_QMP_LINE_INVALID);
    CHECK(xgc_qmp_parse_line("{\"foo\": 1}", &v, err, sizeof err) == XGC_QMP_LINE_INVALID);
}

static void s_migration(const char *text, xgc_migration_t *m)
{
    json_t *j = json_loads(text, 0, NULL);
    xgc_qmp_migration_parse(j, m);
    json_decref(j);
}

XGC_TEST(migration_parse)
{
    xgc_migration_t m;
    s_migration("{}", &m);
    CHECK(m.state == XGC_MIGRATION_NONE);
    s_migration("{\"status\": \"active\", \"total-time\": 120, \"ram\": {\"transferred\": 1000}}", &m);
    CHECK(m.state == XGC_MIGRATION_ACTIVE);
    CHECK(m.total_time_ms == 120 && m.transferred_bytes == 1000 && m.downtime_ms == -1);
    s_migration("{\"status\": \"completed\", \"total-time\": 454, \"downtime\": 10,"
                " \"ram\": {\"transferred\": 63000000}}", &m);
    CHECK(m.state == XGC_MIGRATION_COMPLETED);
    CHECK(m.downtime_ms == 10 && m.total_time_ms == 454);
    s_migration("{\"status\": \"failed\", \"error-desc\": \"Failed to connect\"}", &m);
    CHECK(m.state == XGC_MIGRATION_FAILED);
    CHECK_STR(m.error, "Failed to connect");
    s_migration("{\"status\": \"cancelled\"}", &m);
    CHECK(m.state == XGC_MIGRATION_FAILED);
    CHECK_STR(m.status, "cancelled");
}

/* The fake QEMU: greets, then answers each line: qmp_capabilities and
 * query-status get a return (the latter after an event), anything else an
 * error. */
static void s_fake_qemu(int listener)
{
    int fd = accept(listener, NULL, NULL);
    FILE *in = fdopen(fd, "r");
    dprintf(fd, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n");
    char line[512];
    while (fgets(line, sizeof line, in)) {
        if (strstr(line, "qmp_capabilities"))
            dprintf(fd, "{\"return\": {}}\r\n");
        else if (strstr(line, "query-status")) {
            dprintf(fd, "{\"timestamp\": {}, \"event\": \"RESUME\"}\r\n");
            dprintf(fd, "{\"return\": {\"status\": \"running\", \"running\": true}}\r\n");
        }
        else
            dprintf(fd, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"nope\"}}\r\n");
    }
    _exit(0);
}

XGC_TEST(exchange_with_fake_qemu)
{
    char dir[] = "/tmp/xgc-qmp-XXXXXX", path[128], err[256];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/q.sock", dir);
    /* nothing listening yet: connect gives up after its timeout */
    CHECK(xgc_qmp_connect(path, 50, err, sizeof err) == NULL);
    CHECK(strstr(err, "connect") != NULL);

    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strcpy(addr.sun_path, path);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(listener, (struct sockaddr *)&addr, sizeof addr) == 0);
    CHECK(listen(listener, 1) == 0);
    pid_t pid = fork();
    if (pid == 0)
        s_fake_qemu(listener);
    close(listener);

    xgc_qmp_t *qmp = xgc_qmp_connect(path, 2000, err, sizeof err);
    CHECK(qmp != NULL);
    json_t *ret = xgc_qmp_execute(qmp, "query-status", NULL, 2000, err, sizeof err);
    CHECK(ret != NULL);
    CHECK_STR(json_string_value(json_object_get(ret, "status")), "running");
    json_decref(ret);
    CHECK(xgc_qmp_run(qmp, "bogus", json_pack("{s:i}", "x", 1), 2000, err, sizeof err) == -1);
    CHECK_STR(err, "CommandNotFound: nope");
    /* qemu gone: a command fails with a reason (EPIPE, not SIGPIPE) */
    kill(pid, SIGKILL);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(xgc_qmp_run(qmp, "query-status", NULL, 500, err, sizeof err) == -1);
    CHECK(strncmp(err, "qmp:", 4) == 0);
    CHECK(xgc_qmp_run(qmp, "query-status", NULL, 500, err, sizeof err) == -1);
    xgc_qmp_destroy(&qmp);
    CHECK(qmp == NULL);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    XGC_TEST_RUN(parse_kinds);
    XGC_TEST_RUN(migration_parse);
    XGC_TEST_RUN(exchange_with_fake_qemu);
    return XGC_TEST_END();
}
