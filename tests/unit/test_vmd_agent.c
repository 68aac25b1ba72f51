/* Unit tests of the vmd's pure parts: the seed's MAC/IP/name mapping, the
 * kernel command line, /proc/stat parsing, URLs, ZMTP 3.0 framing, and the
 * built-in workload answered by the HTTP probe. */
#include <stdlib.h>

#include "xgc_test.h"
#include "vmd/identity.h"
#include "vmd/probes.h"
#include "vmd/workload.h"
#include "vmd/zmtp.h"

XGC_TEST(seed_mac_ip_name_mapping)
{
    uint8_t ip[4];
    CHECK(xgc_vmd_mac_to_ip("00:1B:C0:A8:02:65", ip) == 0);
    CHECK(ip[0] == 192 && ip[1] == 168 && ip[2] == 2 && ip[3] == 101);
    char s[64];
    xgc_vmd_ip_to_mac(ip, s, sizeof s);
    CHECK_STR(s, "00:1b:c0:a8:02:65");
    CHECK(xgc_vmd_name_from_ip(ip, "arch_", 100, s, sizeof s) == 0);
    CHECK_STR(s, "arch_1");
    CHECK(xgc_vmd_mac_to_ip("52:54:00:12:34:56", ip) == -1);   /* not a seed MAC */
    CHECK(xgc_vmd_mac_to_ip("00:1b:c0:a8", ip) == -1);
    uint8_t low[4] = {192, 168, 2, 50};
    CHECK(xgc_vmd_name_from_ip(low, "arch_", 100, s, sizeof s) == -1);
}

XGC_TEST(kernel_cmdline)
{
    const char *cl = "console=ttyS0 xgc.name=web3 quiet xgc.broker=tcp://10.0.2.2:7702\n";
    char v[64];
    CHECK(xgc_vmd_cmdline_get(cl, "xgc.name", v, sizeof v) == 0);
    CHECK_STR(v, "web3");
    CHECK(xgc_vmd_cmdline_get(cl, "xgc.broker", v, sizeof v) == 0);
    CHECK_STR(v, "tcp://10.0.2.2:7702");
    CHECK(xgc_vmd_cmdline_get(cl, "xgc.host", v, sizeof v) == -1);
    CHECK(xgc_vmd_cmdline_get(cl, "xgc", v, sizeof v) == -1);
}

XGC_TEST(proc_stat)
{
    xgc_vmd_cpu_t a, b;
    CHECK(xgc_vmd_cpu_parse("cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 50 0 50 400 0\n"
                            "cpu1 50 0 50 400 0\nintr 1\n", &a) == 0);
    CHECK(a.cpus == 2 && a.total == 1000 && a.busy == 200);
    CHECK(xgc_vmd_cpu_parse("cpu  400 0 100 1000 100 0 0 0 0 0\ncpu0 1\ncpu1 1\n", &b) == 0);
    /* busy +300 of total +600 on 2 CPUs = one core */
    CHECK_NEAR(xgc_vmd_cpu_pct(&a, &b), 100.0, 1e-9);
    CHECK_NEAR(xgc_vmd_cpu_pct(&b, &a), 0, 1e-9);
    CHECK(xgc_vmd_cpu_parse("garbage", &a) == -1);
    CHECK(xgc_vmd_uptime("/nonexistent") < 0);
}

XGC_TEST(urls)
{
    char host[64], path[128];
    int port;
    CHECK(xgc_vmd_url_parse("http://10.0.0.1:8000/work?x=1", host, sizeof host, &port,
                            path, sizeof path) == 0);
    CHECK_STR(host, "10.0.0.1");
    CHECK(port == 8000);
    CHECK_STR(path, "/work?x=1");
    CHECK(xgc_vmd_url_parse("http://h", host, sizeof host, &port, path, sizeof path) == 0);
    CHECK(port == 80 && strcmp(path, "/") == 0);
    CHECK(xgc_vmd_url_parse("https://h/", host, sizeof host, &port, path, sizeof path) == -1);
    CHECK(xgc_vmd_url_parse("http://h:0/", host, sizeof host, &port, path, sizeof path) == -1);
    CHECK(xgc_vmd_url_parse("http://h:99x/", host, sizeof host, &port, path, sizeof path) == -1);
}

XGC_TEST(zmtp_frames)
{
    uint8_t g[64];
    xgc_zmtp_greeting(g, "NULL");
    CHECK(g[0] == 0xFF && g[9] == 0x7F && g[10] == 3 && g[11] == 0);
    CHECK(memcmp(g + 12, "NULL", 4) == 0 && g[16] == 0 && g[32] == 0);
    CHECK(xgc_zmtp_greeting_check(g, "NULL") == NULL);
    const char *why = xgc_zmtp_greeting_check(g, "CURVE");
    CHECK(why && strstr(why, "security mismatch: the broker is plaintext"));
    xgc_zmtp_greeting(g, "CURVE");
    CHECK(memcmp(g + 12, "CURVE", 6) == 0 && g[32] == 0);
    why = xgc_zmtp_greeting_check(g, "NULL");
    CHECK(why && strstr(why, "the broker uses CURVE and this vmd plaintext"));
    g[9] = 0;
    CHECK(strstr(xgc_zmtp_greeting_check(g, "CURVE"), "not a ZMTP 3"));
    uint8_t r[64];
    size_t n = xgc_zmtp_ready("PUB", r, sizeof r);
    static const uint8_t want[] = {0x04, 25, 5, 'R', 'E', 'A', 'D', 'Y', 11, 'S', 'o', 'c', 'k',
                                   'e', 't', '-', 'T', 'y', 'p', 'e', 0, 0, 0, 3, 'P', 'U', 'B'};
    CHECK(n == sizeof want && memcmp(r, want, n) == 0);
    CHECK(xgc_zmtp_ready("PUB", r, 10) == 0);
    uint8_t h[9];
    CHECK(xgc_zmtp_frame_header(5, 1, h) == 2 && h[0] == 0x01 && h[1] == 5);
    CHECK(xgc_zmtp_frame_header(255, 0, h) == 2 && h[0] == 0x00 && h[1] == 255);
    CHECK(xgc_zmtp_frame_header(256, 0, h) == 9 && h[0] == 0x02 && h[7] == 1 && h[8] == 0);
    CHECK(xgc_zmtp_frame_header(200, XGC_ZMTP_COMMAND, h) == 2 && h[0] == 0x04);
    CHECK(xgc_zmtp_frame_header(300, XGC_ZMTP_COMMAND, h) == 9 && h[0] == 0x06);
    xgc_zmtp_t *z = xgc_zmtp_new("ipc://nope");
    CHECK(xgc_zmtp_publish(z, "t", "x", 1, 10) == -1);
    CHECK(strstr(xgc_zmtp_error(z), "not tcp://"));
    xgc_zmtp_destroy(&z);
}

XGC_TEST(workload_answers_probe)
{
    char err[200];
    xgc_vmd_workload_t *w = xgc_vmd_workload_start(-1, 5, 0, err, sizeof err);
    CHECK(w && xgc_vmd_workload_port(w) > 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", xgc_vmd_workload_port(w));
    double ms = xgc_vmd_probe_http(url, 2000);
    CHECK(ms >= 4.5 && ms < 1000);
    xgc_vmd_workload_stop(&w);
    CHECK(w == NULL);
    CHECK(xgc_vmd_probe_http(url, 200) < 0);      /* nobody listens now */
    CHECK(xgc_vmd_probe_cmd("true") >= 0);
    CHECK(xgc_vmd_probe_cmd("false") < 0);
}

int main(void)
{
    XGC_TEST_RUN(seed_mac_ip_name_mapping);
    XGC_TEST_RUN(kernel_cmdline);
    XGC_TEST_RUN(proc_stat);
    XGC_TEST_RUN(urls);
    XGC_TEST_RUN(zmtp_frames);
    XGC_TEST_RUN(workload_answers_probe);
    return XGC_TEST_END();
}
