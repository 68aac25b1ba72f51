/* Unit tests of the xl driver's pure parts (pmd/xlcfg): xl config files
 * through libxlutil into libxl_domain_config, errors naming the field,
 * xl's reactions to guest shutdown/reboot/crash, migration names. */
#include "pmd/xlcfg.h"

#include <stdlib.h>

#include "xgc_test.h"

static const char cfg_text[] =
    "name = \"web1\"\n"
    "type = \"pvh\"\n"
    "kernel = \"/boot/vmlinuz\"\n"
    "ramdisk = \"/boot/initrd\"\n"
    "extra = \"console=hvc0 xgc.name=web1\"\n"
    "memory = 512\n"
    "maxmem = 1024\n"
    "vcpus = 2\n"
    "cpu_weight = 512\n"
    "cap = 150\n"
    "on_reboot = \"destroy\"\n"
    "disk = [ 'format=raw, vdev=xvda, access=rw, target=/srv/web1.img' ]\n"
    "vif = [ 'mac=00:1b:c0:a8:02:65,bridge=xenbr0' ]\n";

XGC_TEST(parse_and_map)
{
    xgc_xlcfg_t c;
    char err[300];
    CHECK(xgc_xlcfg_parse(cfg_text, sizeof cfg_text - 1, "web1.cfg", &c, err, sizeof err) == 0);
    CHECK_STR(c.name, "web1");
    CHECK(c.type == LIBXL_DOMAIN_TYPE_PVH);
    CHECK(c.memory_mb == 512 && c.maxmem_mb == 1024 && c.vcpus == 2 && c.maxvcpus == 2);
    CHECK(c.weight == 512 && c.cap_pct == 150);
    CHECK_STR(c.cmdline, "console=hvc0 xgc.name=web1");
    CHECK(c.on_reboot == LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
    CHECK(c.on_poweroff == LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
    CHECK(c.on_crash == LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
    CHECK(c.disk_n == 1 && c.vif_n == 1);

    libxl_domain_config dc;
    /* the plan's weight and cap win over the file's */
    CHECK(xgc_xlcfg_to_libxl(&c, "web1", 256, 50, &dc, err, sizeof err) == 0);
    CHECK_STR(dc.c_info.name, "web1");
    CHECK(dc.c_info.type == LIBXL_DOMAIN_TYPE_PVH);
    CHECK(dc.b_info.max_memkb == 1024 * 1024 && dc.b_info.target_memkb == 512 * 1024);
    CHECK(dc.b_info.max_vcpus == 2);
    CHECK(dc.b_info.sched_params.weight == 256 && dc.b_info.sched_params.cap == 50);
    CHECK_STR(dc.b_info.kernel, "/boot/vmlinuz");
    CHECK(dc.num_disks == 1 && strcmp(dc.disks[0].pdev_path, "/srv/web1.img") == 0);
    CHECK_STR(dc.disks[0].vdev, "xvda");
    CHECK(dc.num_nics == 1 && strcmp(dc.nics[0].bridge, "xenbr0") == 0);
    CHECK(dc.nics[0].mac[0] == 0x00 && dc.nics[0].mac[1] == 0x1b && dc.nics[0].mac[5] == 0x65);
    libxl_domain_config_dispose(&dc);
    /* no plan values: the file's */
    CHECK(xgc_xlcfg_to_libxl(&c, NULL, 0, -1, &dc, err, sizeof err) == 0);
    CHECK(dc.b_info.sched_params.weight == 512 && dc.b_info.sched_params.cap == 150);
    libxl_domain_config_dispose(&dc);
}

XGC_TEST(defaults_like_xl)
{
    static const char t[] = "name = \"a\"\nkernel = \"/k\"\n";
    xgc_xlcfg_t c;
    char err[300];
    CHECK(xgc_xlcfg_parse(t, sizeof t - 1, "a.cfg", &c, err, sizeof err) == 0);
    CHECK(c.type == LIBXL_DOMAIN_TYPE_PV && c.memory_mb == 128 && c.vcpus == 1);
    CHECK(c.weight == -1 && c.cap_pct == -1);
    CHECK(c.on_reboot == LIBXL_ACTION_ON_SHUTDOWN_RESTART);
    static const char h[] = "name = \"b\"\nbuilder = \"hvm\"\n";
    CHECK(xgc_xlcfg_parse(h, sizeof h - 1, "b.cfg", &c, err, sizeof err) == 0);
    CHECK(c.type == LIBXL_DOMAIN_TYPE_HVM);
}

static int refused(const char *text, const char *want)
{
    xgc_xlcfg_t c;
    char err[300] = "";
    int rc = xgc_xlcfg_parse(text, strlen(text), "x.cfg", &c, err, sizeof err);
    if (rc == 0 || !strstr(err, want)) {
        fprintf(stderr, "  got rc=%d err='%s', wanted '%s'\n", rc, err, want);
        return 0;
    }
    return 1;
}

XGC_TEST(bad_configs_name_the_field)
{
    CHECK(refused("name = \"a\"\nkernel=\"/k\"\nmemory = \"lots\"\n", "field 'memory'"));
    CHECK(refused("name = \"a\"\nkernel=\"/k\"\nvcpus = 0\n", "field 'vcpus'"));
    CHECK(refused("name = \"a\"\ntype = \"qemu\"\n", "field 'type'"));
    CHECK(refused("name = \"a\"\ntype = \"pv\"\n", "field 'kernel'"));
    CHECK(refused("name = \"a\"\nkernel=\"/k\"\non_crash = \"explode\"\n", "field 'on_crash'"));
    CHECK(refused("name = \"a\"\nkernel=\"/k\"\nmemory = 512\nmaxmem = 256\n", "field 'maxmem'"));
    CHECK(refused("name = = \n", "syntax"));
    xgc_xlcfg_t c;
    char err[300];
    CHECK(xgc_xlcfg_load("/nonexistent.cfg", &c, err, sizeof err) == -1);
    /* bad devices are refused when mapped */
    static const char t[] = "name = \"a\"\nkernel = \"/k\"\nvif = [ 'mac=zz,bridge=x' ]\n";
    CHECK(xgc_xlcfg_parse(t, sizeof t - 1, "a.cfg", &c, err, sizeof err) == 0);
    libxl_domain_config dc;
    CHECK(xgc_xlcfg_to_libxl(&c, "a", 0, -1, &dc, err, sizeof err) == -1);
    CHECK(strstr(err, "bad mac"));
    libxl_domain_config_dispose(&dc);
}

XGC_TEST(shutdown_actions_as_xl)
{
    xgc_xlcfg_t c;
    char err[300];
    static const char t[] = "name=\"a\"\nkernel=\"/k\"\non_crash=\"restart\"\n";
    CHECK(xgc_xlcfg_parse(t, sizeof t - 1, "a.cfg", &c, err, sizeof err) == 0);
    xgc_op_kind_t k;
    CHECK(xgc_xlcfg_on_shutdown(&c, LIBXL_SHUTDOWN_REASON_POWEROFF, &k) ==
          LIBXL_ACTION_ON_SHUTDOWN_DESTROY && k == XGC_EV_GUEST_SHUTDOWN);
    CHECK(xgc_xlcfg_on_shutdown(&c, LIBXL_SHUTDOWN_REASON_REBOOT, &k) ==
          LIBXL_ACTION_ON_SHUTDOWN_RESTART && k == XGC_EV_GUEST_REBOOT);
    CHECK(xgc_xlcfg_on_shutdown(&c, LIBXL_SHUTDOWN_REASON_CRASH, &k) ==
          LIBXL_ACTION_ON_SHUTDOWN_RESTART && k == XGC_EV_GUEST_CRASH);
    CHECK(xgc_xlcfg_on_shutdown(&c, LIBXL_SHUTDOWN_REASON_SUSPEND, &k) ==
          LIBXL_ACTION_ON_SHUTDOWN_PRESERVE && k == 0);
    CHECK(xgc_xlcfg_on_shutdown(&c, LIBXL_SHUTDOWN_REASON_UNKNOWN, &k) ==
          LIBXL_ACTION_ON_SHUTDOWN_RESTART && k == XGC_EV_GUEST_CRASH);
}

XGC_TEST(migration_names)
{
    char vm[64];
    CHECK(xgc_xlcfg_split_name("web1--incoming", vm, sizeof vm) == XGC_DOM_MIGRATING_IN);
    CHECK_STR(vm, "web1");
    CHECK(xgc_xlcfg_split_name("web1--migratedaway", vm, sizeof vm) == XGC_DOM_INDOUBT);
    CHECK_STR(vm, "web1");
    CHECK(xgc_xlcfg_split_name("web1", vm, sizeof vm) == XGC_DOM_RUNNING);
    CHECK_STR(vm, "web1");
    libxl_mac m;
    CHECK(xgc_xlcfg_mac("00:16:3e:00:00:01", m) == 0 && m[2] == 0x3e);
    CHECK(xgc_xlcfg_mac("00:16:3e", m) == -1);
}

int main(void)
{
    XGC_TEST_RUN(parse_and_map);
    XGC_TEST_RUN(defaults_like_xl);
    XGC_TEST_RUN(bad_configs_name_the_field);
    XGC_TEST_RUN(shutdown_actions_as_xl);
    XGC_TEST_RUN(migration_names);
    return XGC_TEST_END();
}
