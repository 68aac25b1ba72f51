/* Unit tests of scheduler/sched_metrics: the Prometheus text and the HTTP
 * responder on loopback. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scheduler/sched_metrics.h"
#include "tests/unit/xgc_test.h"

XGC_TEST(render)
{
    xgc_sched_metrics_t m = {.utility = 12.5, .pms_on = 3, .migrations_total = 7, .leader = true};
    char buf[8192];
    xgc_sched_metrics_set_power(&m, "pm1", 100);
    xgc_sched_metrics_set_power(&m, "pm2", 50.5);
    xgc_sched_metrics_set_power(&m, "pm1", 120);
    CHECK_NEAR(xgc_sched_metrics_power_w(&m), 170.5, 1e-9);
    size_t n = xgc_sched_metrics_render(&m, "c1", buf, sizeof buf);
    CHECK(n > 0 && n < sizeof buf && strlen(buf) == n);
    CHECK(strstr(buf, "# TYPE xgc_utility gauge\nxgc_utility{cluster=\"c1\"} 12.5\n"));
    CHECK(strstr(buf, "xgc_migrations_total{cluster=\"c1\"} 7\n"));
    CHECK(strstr(buf, "xgc_power_watts{cluster=\"c1\"} 170.5\n"));
    CHECK(strstr(buf, "xgc_scheduler_leader{cluster=\"c1\"} 1\n"));
    CHECK(xgc_sched_metrics_render(&m, "c1", buf, 10) == 9);   /* truncated, terminated */
    xgc_sched_metrics_clear(&m);
    CHECK_NEAR(xgc_sched_metrics_power_w(&m), 0, 0);
}

XGC_TEST(http)
{
    char err[256], reply[8192];
    CHECK(xgc_sched_metrics_listen("9464", err, sizeof err) == -1);
    CHECK(xgc_sched_metrics_listen("nohost:1", err, sizeof err) == -1);
    int lfd = xgc_sched_metrics_listen("127.0.0.1:0", err, sizeof err);
    CHECK(lfd >= 0);
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    getsockname(lfd, (struct sockaddr *)&sa, &sl);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(c, (struct sockaddr *)&sa, sl) == 0);
    const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    CHECK(write(c, req, strlen(req)) == (ssize_t)strlen(req));
    xgc_sched_metrics_t m = {.vms = 42};
    xgc_sched_metrics_serve(&m, "c2", lfd);
    size_t got = 0;
    ssize_t k;
    while ((k = read(c, reply + got, sizeof reply - 1 - got)) > 0)
        got += (size_t)k;
    reply[got] = 0;
    CHECK(!strncmp(reply, "HTTP/1.0 200 OK\r\n", 17));
    CHECK(strstr(reply, "xgc_vms{cluster=\"c2\"} 42\n"));
    close(c);
    close(lfd);
}

int main(void)
{
    XGC_TEST_RUN(render);
    XGC_TEST_RUN(http);
    return XGC_TEST_END();
}
