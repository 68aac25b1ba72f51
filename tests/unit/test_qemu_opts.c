/* Unit tests of the qemu driver's pure part (pmd/qemu_opts.h): its
 * driver_opts, the qemu command line, migration addresses, and that
 * config/qemu-demo.yaml loads with valid qemu settings for every PM. */
#include <stdlib.h>

#include "xgc_test.h"
#include "xgc_config.h"
#include "xgc_model.h"
#include "pmd/qemu_opts.h"

static xgc_yaml_node_t *s_yaml(const char *text)
{
    char err[XGC_ERR_MAX];
    return xgc_yaml_load_string(text, strlen(text), "opts.yaml", err, sizeof err);
}

XGC_TEST(defaults)
{
    xgc_qemu_opts_t o;
    char err[XGC_ERR_MAX];
    CHECK(xgc_qemu_opts_load(NULL, "pm1", &o, err, sizeof err) == 0);
    CHECK_STR(o.qemu, "qemu-system-x86_64");
    CHECK_STR(o.cgroup_parent, "xgc/pm1");
    CHECK_STR(o.guest_mode, "idle");
    CHECK_STR(o.netns, "");
    CHECK(o.migrate_port == 7411 && o.mem_min_mb == 80);
    CHECK(strstr(o.kernel, "build/guest/vmlinux") != NULL);
}

XGC_TEST(opts_read_and_refused)
{
    xgc_qemu_opts_t o;
    char err[XGC_ERR_MAX];
    xgc_yaml_node_t *y = s_yaml("netns: xgcq1\nmigrate_ip: 10.77.0.1\nmigrate_port: 7500\n"
                                "guest_mode: busy\ncore_mhz: 2400\n");
    CHECK(xgc_qemu_opts_load(y, "qa", &o, err, sizeof err) == 0);
    CHECK_STR(o.netns, "xgcq1");
    CHECK_STR(o.migrate_ip, "10.77.0.1");
    CHECK(o.migrate_port == 7500);
    CHECK_STR(o.guest_mode, "busy");
    CHECK_NEAR(o.core_mhz, 2400, 1e-9);
    xgc_yaml_destroy(&y);

    y = s_yaml("netns: a\nnetnss: b\n");
    CHECK(xgc_qemu_opts_load(y, "qa", &o, err, sizeof err) == -1);
    CHECK(strstr(err, "opts.yaml:2:") && strstr(err, "netnss"));
    xgc_yaml_destroy(&y);
    y = s_yaml("guest_mode: fast\n");
    CHECK(xgc_qemu_opts_load(y, "qa", &o, err, sizeof err) == -1);
    CHECK(strstr(err, "guest_mode") && strstr(err, "idle or busy"));
    xgc_yaml_destroy(&y);
    y = s_yaml("migrate_port: 99999\n");
    CHECK(xgc_qemu_opts_load(y, "qa", &o, err, sizeof err) == -1);
    CHECK(strstr(err, "migrate_port"));
    xgc_yaml_destroy(&y);
    y = s_yaml("- a\n- b\n");
    CHECK(xgc_qemu_opts_load(y, "qa", &o, err, sizeof err) == -1);
    CHECK(strstr(err, "mapping"));
    xgc_yaml_destroy(&y);
}

static int s_has(char **argv, const char *a, const char *b)
{
    for (int i = 0; argv[i] && argv[i + 1]; i++)
        if (strcmp(argv[i], a) == 0 && strcmp(argv[i + 1], b) == 0)
            return 1;
    return 0;
}

XGC_TEST(command_line)
{
    xgc_qemu_opts_t o;
    char err[XGC_ERR_MAX], buf[4096], *argv[XGC_QEMU_ARGV_MAX];
    xgc_yaml_node_t *y = s_yaml("guest_broker: tcp://10.77.0.254:7700\nguest_mode: busy\n");
    CHECK(xgc_qemu_opts_load(y, "qa", &o, err, sizeof err) == 0);
    xgc_yaml_destroy(&y);
    int argc = xgc_qemu_argv(&o, "vm1", 64, "/s/vm1.qmp", "/s/vm1.serial", "", NULL, buf, sizeof buf, argv);
    CHECK(argc > 10 && argv[argc] == NULL);
    CHECK(s_has(argv, "-m", "80"));                /* raised to the minimum */
    CHECK(s_has(argv, "-qmp", "unix:/s/vm1.qmp,server=on,wait=off"));
    CHECK(s_has(argv, "-append", "console=ttyS0 panic=-1 quiet no_timer_check xgc.vm=vm1 xgc.mode=busy"
                                 " xgc.broker=tcp://10.77.0.254:7700"));
    for (int i = 0; i < argc; i++)
        CHECK(strcmp(argv[i], "-incoming") != 0);
    argc = xgc_qemu_argv(&o, "vm1", 128, "/q", "/s", "tcp:10.77.0.2:7411", NULL, buf, sizeof buf, argv);
    CHECK(s_has(argv, "-m", "128"));
    CHECK(s_has(argv, "-incoming", "tcp:10.77.0.2:7411"));
    CHECK(xgc_qemu_argv(&o, "vm1", 128, "/q", "/s", "", NULL, buf, 100, argv) == -1);
}

XGC_TEST(command_line_with_the_vms_own_key)
{
    xgc_qemu_opts_t o;
    char err[XGC_ERR_MAX], buf[4096], *argv[XGC_QEMU_ARGV_MAX];
    CHECK(xgc_qemu_opts_load(NULL, "qa", &o, err, sizeof err) == 0);
    xgc_qemu_guest_key_t key = { .server = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
                                 .cert = "/c,x/secret/vmd-vm1.cert_secret" };
    int argc = xgc_qemu_argv(&o, "vm1", 128, "/q", "/s", "", &key, buf, sizeof buf, argv);
    CHECK(argc > 10 && argv[argc] == NULL);
    /* the public key on the command line, the key pair by file (',' doubled) */
    CHECK(s_has(argv, "-append", "console=ttyS0 panic=-1 quiet no_timer_check xgc.vm=vm1 "
                "xgc.mode=idle xgc.curve_server=rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"));
    CHECK(s_has(argv, "-fw_cfg", "name=opt/xgc/cert,file=/c,,x/secret/vmd-vm1.cert_secret"));
    for (int i = 0; i < argc; i++)
        CHECK(strstr(argv[i], "secret-key") == NULL);
    /* without a key: no fw_cfg, no server key */
    argc = xgc_qemu_argv(&o, "vm1", 128, "/q", "/s", "", NULL, buf, sizeof buf, argv);
    for (int i = 0; i < argc; i++)
        CHECK(strcmp(argv[i], "-fw_cfg") != 0 && strstr(argv[i], "curve_server") == NULL);
    memset(key.cert, ',', sizeof key.cert - 1);      /* 1022 characters once escaped */
    key.cert[sizeof key.cert - 1] = 0;
    CHECK(xgc_qemu_argv(&o, "vm1", 128, "/q", "/s", "", &key, buf, 1200, argv) == -1);
    CHECK(xgc_qemu_argv(&o, "vm1", 128, "/q", "/s", "", &key, buf, sizeof buf, argv) > 10);
    CHECK(s_has(argv, "-fw_cfg", "name=opt/xgc/cert,file=") == 0);   /* the whole path */
}

XGC_TEST(migrate_uri)
{
    char uri[64], want[64];
    int off = xgc_qemu_migrate_offset("web1", 32);
    CHECK(off >= 0 && off < 32);
    CHECK(xgc_qemu_migrate_offset("web1", 32) == off);          /* stable */
    CHECK(xgc_qemu_migrate_offset("web1", 1) == 0);
    /* different names spread over the range */
    int seen[32] = {0}, distinct = 0;
    for (int i = 0; i < 16; i++) {
        char name[16];
        snprintf(name, sizeof name, "vm%d", i);
        int o = xgc_qemu_migrate_offset(name, 32);
        distinct += !seen[o];
        seen[o] = 1;
    }
    CHECK(distinct >= 8);
    snprintf(want, sizeof want, "tcp:10.0.0.2:%d", 7411 + off);
    CHECK(xgc_qemu_migrate_uri("tcp://10.0.0.2:7411", "web1", 32, uri, sizeof uri) == 0);
    CHECK_STR(uri, want);
    CHECK(xgc_qemu_migrate_uri("tcp:10.0.0.2:7411", "web1", 32, uri, sizeof uri) == 0);
    CHECK_STR(uri, want);
    CHECK(xgc_qemu_migrate_uri("tcp://10.0.0.2:7411", "web1", 1, uri, sizeof uri) == 0);
    CHECK_STR(uri, "tcp:10.0.0.2:7411");
    CHECK(xgc_qemu_migrate_uri("udp://x:1", "web1", 32, uri, sizeof uri) == -1);
    CHECK(xgc_qemu_migrate_uri("tcp://10.0.0.2", "web1", 32, uri, sizeof uri) == -1);
    CHECK(xgc_qemu_migrate_uri("tcp://10.0.0.2:x", "web1", 32, uri, sizeof uri) == -1);
    CHECK(xgc_qemu_migrate_uri("tcp://:7411", "web1", 32, uri, sizeof uri) == -1);
    CHECK(xgc_qemu_migrate_uri("tcp://10.0.0.2:7411", "web1", 32, uri, 8) == -1);
}

XGC_TEST(demo_deployment)
{
    char err[XGC_ERR_MAX];
    xgc_config_t *cfg = xgc_config_load("config/qemu-demo.yaml", err, sizeof err);
    if (!cfg)
        fprintf(stderr, "%s\n", err);
    CHECK(cfg != NULL);
    xgc_pm_spec_t *pms = NULL;
    xgc_vm_spec_t *vms = NULL;
    size_t npms = 0, nvms = 0;
    int rc = xgc_model_load_pms(cfg->pms, &pms, &npms, err, sizeof err);
    if (rc == 0)
        rc = xgc_model_load_vms(cfg->vms, &vms, &nvms, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    int ok = rc == 0 && npms == 2 && nvms >= 1;
    for (size_t i = 0; ok && i < npms; i++) {
        const xgc_yaml_node_t *pm = cfg->pms->items[i];
        xgc_qemu_opts_t o;
        ok = strcmp(pms[i].driver, "qemu") == 0
             && xgc_qemu_opts_load(xgc_yaml_get(pm, "driver_opts"), pms[i].name, &o, err, sizeof err) == 0
             && o.netns[0] && o.guest_broker[0];
    }
    for (size_t i = 0; ok && i < nvms; i++)
        ok = vms[i].mem_mb <= 128;
    free(pms);
    free(vms);
    xgc_config_destroy(&cfg);
    CHECK(ok);
}

int main(void)
{
    XGC_TEST_RUN(defaults);
    XGC_TEST_RUN(opts_read_and_refused);
    XGC_TEST_RUN(command_line);
    XGC_TEST_RUN(command_line_with_the_vms_own_key);
    XGC_TEST_RUN(migrate_uri);
    XGC_TEST_RUN(demo_deployment);
    return XGC_TEST_END();
}
