/* test_security_authz — the write and event policies by role (pure; a
 * per-VM vmd certificate publishes its own VM's metric only), role names,
 * certificate names by identity, handshake explanations, and the
 * `security:` section's parsing and errors. */
#include <stdlib.h>
#include <string.h>

#include "xgc_security.h"
#include "xgc_test.h"

XGC_TEST(roles_parse_and_name)
{
    CHECK(xgc_role_parse("scheduler") == XGC_ROLE_SCHEDULER);
    CHECK(xgc_role_parse("pmd") == XGC_ROLE_PMD);
    CHECK(xgc_role_parse("operator") == XGC_ROLE_OPERATOR);
    CHECK(xgc_role_parse("vmd") == XGC_ROLE_VMD);
    CHECK(xgc_role_parse("broker") == XGC_ROLE_BROKER);
    CHECK(xgc_role_parse("admin") == XGC_ROLE_NONE);
    CHECK(xgc_role_parse("") == XGC_ROLE_NONE);
    CHECK(xgc_role_parse(NULL) == XGC_ROLE_NONE);
    CHECK_STR(xgc_role_name(XGC_ROLE_PMD), "pmd");
    CHECK_STR(xgc_role_name((xgc_role_t)42), "none");
}

XGC_TEST(scheduler_writes_plans_power_sched_only)
{
    CHECK(xgc_authz_allows(XGC_ROLE_SCHEDULER, NULL, "plan/pm1/web1"));
    CHECK(xgc_authz_allows(XGC_ROLE_SCHEDULER, NULL, "sched/leader"));
    CHECK(xgc_authz_allows(XGC_ROLE_SCHEDULER, NULL, "pm/pm7/power"));
    CHECK(!xgc_authz_allows(XGC_ROLE_SCHEDULER, NULL, "pm/pm7/admin"));
    CHECK(!xgc_authz_allows(XGC_ROLE_SCHEDULER, NULL, "pm/pm7/alive"));
    CHECK(!xgc_authz_allows(XGC_ROLE_SCHEDULER, NULL, "pm/pm7/power/x"));
    CHECK(!xgc_authz_allows(XGC_ROLE_SCHEDULER, NULL, "vm/web1/spec"));
    CHECK(!xgc_authz_allows(XGC_ROLE_SCHEDULER, NULL, "planx/pm1"));
    CHECK(!xgc_authz_allows(XGC_ROLE_SCHEDULER, NULL, "plan"));
}

XGC_TEST(pmd_writes_only_its_own_keys)
{
    CHECK(xgc_authz_allows(XGC_ROLE_PMD, "pm1", "pm/pm1/info"));
    CHECK(xgc_authz_allows(XGC_ROLE_PMD, "pm1", "pm/pm1/alive"));
    CHECK(xgc_authz_allows(XGC_ROLE_PMD, "pm1", "pm/pm1/vm/web1"));
    CHECK(!xgc_authz_allows(XGC_ROLE_PMD, "pm1", "pm/pm2/alive"));
    CHECK(!xgc_authz_allows(XGC_ROLE_PMD, "pm1", "pm/pm10/alive"));
    CHECK(!xgc_authz_allows(XGC_ROLE_PMD, "pm10", "pm/pm1/alive"));
    CHECK(!xgc_authz_allows(XGC_ROLE_PMD, "pm1", "pm/pm1/power"));
    CHECK(!xgc_authz_allows(XGC_ROLE_PMD, "pm1", "pm/pm1/admin"));
    CHECK(!xgc_authz_allows(XGC_ROLE_PMD, "pm1", "pm/pm1/"));
    CHECK(!xgc_authz_allows(XGC_ROLE_PMD, "pm1", "pm/pm1"));
    CHECK(!xgc_authz_allows(XGC_ROLE_PMD, "pm1", "plan/pm1/web1"));
    CHECK(!xgc_authz_allows(XGC_ROLE_PMD, "pm1", "vm/web1/spec"));
    CHECK(!xgc_authz_allows(XGC_ROLE_PMD, "pm1", "sched/leader"));
    /* a pmd certificate without a host owns nothing */
    CHECK(!xgc_authz_allows(XGC_ROLE_PMD, "", "pm//alive"));
    CHECK(!xgc_authz_allows(XGC_ROLE_PMD, NULL, "pm/pm1/alive"));
}

XGC_TEST(operator_writes_anything_others_nothing)
{
    const char *keys[] = {"vm/web1/spec", "pm/pm1/admin", "plan/pm1/web1", "pm/pm1/alive",
                          "sched/leader", "anything/else"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        CHECK(xgc_authz_allows(XGC_ROLE_OPERATOR, NULL, keys[i]));
        CHECK(!xgc_authz_allows(XGC_ROLE_VMD, NULL, keys[i]));
        CHECK(!xgc_authz_allows(XGC_ROLE_BROKER, NULL, keys[i]));
        CHECK(!xgc_authz_allows(XGC_ROLE_NONE, NULL, keys[i]));
    }
    CHECK(!xgc_authz_allows(XGC_ROLE_OPERATOR, NULL, NULL));
}

XGC_TEST(events_by_role)
{
    CHECK(xgc_authz_event_allows(XGC_ROLE_OPERATOR, NULL, "cmd.pm1.create"));
    CHECK(xgc_authz_event_allows(XGC_ROLE_SCHEDULER, NULL, "plan.round"));
    CHECK(xgc_authz_event_allows(XGC_ROLE_SCHEDULER, NULL, "cmd.pm1.migrate"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_SCHEDULER, NULL, "metric.pm.pm1"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_SCHEDULER, NULL, "op.pm1.create"));
    CHECK(xgc_authz_event_allows(XGC_ROLE_PMD, "pm1", "metric.pm.pm1"));
    CHECK(xgc_authz_event_allows(XGC_ROLE_PMD, "pm1", "metric.vm.web1"));
    CHECK(xgc_authz_event_allows(XGC_ROLE_PMD, "pm1", "op.pm1.create"));
    CHECK(xgc_authz_event_allows(XGC_ROLE_PMD, "pm1", "log.pmd"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_PMD, "pm1", "metric.pm.pm10"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_PMD, "pm1", "metric.pm.pm2"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_PMD, "pm1", "op.pm2.create"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_PMD, "pm1", "op.pm1."));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_PMD, "pm1", "op.pm1"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_PMD, "pm1", "cmd.pm1.create"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_PMD, "pm1", "plan.round"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_PMD, NULL, "metric.pm.pm1"));
    CHECK(xgc_authz_event_allows(XGC_ROLE_VMD, NULL, "metric.vm.web1"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_VMD, NULL, "metric.pm.pm1"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_VMD, NULL, "cmd.pm1.create"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_BROKER, NULL, "metric.vm.web1"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_NONE, NULL, "metric.vm.web1"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_OPERATOR, NULL, NULL));
}

XGC_TEST(per_vm_vmd_publishes_its_own_metric_only)
{
    CHECK(xgc_authz_event_allows(XGC_ROLE_VMD, "web1", "metric.vm.web1"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_VMD, "web1", "metric.vm.web2"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_VMD, "web1", "metric.vm.web10"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_VMD, "web10", "metric.vm.web1"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_VMD, "web1", "metric.vm.web1.x"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_VMD, "web1", "metric.vm."));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_VMD, "web1", "metric.pm.web1"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_VMD, "web1", "log.web1"));
    CHECK(!xgc_authz_event_allows(XGC_ROLE_VMD, "web1", "cmd.web1.create"));
    /* the shared certificate (no vm): the legacy, weaker rule */
    CHECK(xgc_authz_event_allows(XGC_ROLE_VMD, "", "metric.vm.web2"));
    CHECK(xgc_authz_event_allows(XGC_ROLE_VMD, NULL, "metric.vm.web2"));
    /* a pmd's binding is its host: it still reports every VM it hosts */
    CHECK(xgc_authz_event_allows(XGC_ROLE_PMD, "pm1", "metric.vm.web2"));
    CHECK_STR(xgc_role_bound_key(XGC_ROLE_VMD), "vm");
    CHECK_STR(xgc_role_bound_key(XGC_ROLE_PMD), "host");
    CHECK(xgc_role_bound_key(XGC_ROLE_SCHEDULER) == NULL);
    CHECK(xgc_role_bound_key(XGC_ROLE_OPERATOR) == NULL);
}

XGC_TEST(vm_names_for_certificates)
{
    CHECK(xgc_security_vm_name_valid("web1"));
    CHECK(xgc_security_vm_name_valid("arch_3.x-y"));
    CHECK(!xgc_security_vm_name_valid(""));
    CHECK(!xgc_security_vm_name_valid(NULL));
    CHECK(!xgc_security_vm_name_valid("a/b"));
    CHECK(!xgc_security_vm_name_valid("../x"));
    CHECK(!xgc_security_vm_name_valid("a b"));
    CHECK(!xgc_security_vm_name_valid("tab\t"));
    CHECK(!xgc_security_vm_name_valid("\xc3\xa9t\xc3\xa9"));
    char longname[XGC_NAME_MAX + 1];
    memset(longname, 'a', XGC_NAME_MAX);
    longname[XGC_NAME_MAX] = 0;
    CHECK(!xgc_security_vm_name_valid(longname));
    longname[XGC_NAME_MAX - 1] = 0;
    CHECK(xgc_security_vm_name_valid(longname));
}

XGC_TEST(refusal_reason_names_role_host_and_key)
{
    char why[256];
    CHECK(!xgc_authz_check(XGC_ROLE_PMD, "pm1", "plan/pm1/web1", why, sizeof why));
    CHECK(strstr(why, "permission denied") != NULL);
    CHECK(strstr(why, "role pmd host pm1") != NULL);
    CHECK(strstr(why, "plan/pm1/web1") != NULL);
    CHECK(!xgc_authz_check(XGC_ROLE_NONE, NULL, "vm/x/spec", why, sizeof why));
    CHECK(strstr(why, "unknown key") != NULL);
    char small[8];
    CHECK(!xgc_authz_check(XGC_ROLE_VMD, NULL, "vm/x/spec", small, sizeof small));
    CHECK(strlen(small) == 7);
}

XGC_TEST(cert_name_by_identity)
{
    char name[128];
    unsetenv("XGC_CERT");
    xgc_security_cert_name("pmd-pm3", name, sizeof name);
    CHECK_STR(name, "pmd-pm3");
    xgc_security_cert_name("scheduler", name, sizeof name);
    CHECK_STR(name, "scheduler");
    xgc_security_cert_name("vmd-web1", name, sizeof name);
    CHECK_STR(name, "vmd");
    xgc_security_cert_name("xgc-set", name, sizeof name);
    CHECK_STR(name, "operator");
    xgc_security_cert_name("pmd-", name, sizeof name);
    CHECK_STR(name, "operator");
    xgc_security_cert_name(NULL, name, sizeof name);
    CHECK_STR(name, "operator");
    setenv("XGC_CERT", "/etc/xgc/mine.cert", 1);
    xgc_security_cert_name("pmd-pm3", name, sizeof name);
    CHECK_STR(name, "/etc/xgc/mine.cert");
    unsetenv("XGC_CERT");
}

XGC_TEST(explain_handshake_events)
{
    CHECK(strstr(xgc_security_explain_event(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400),
                 "refused our key"));
    CHECK(strstr(xgc_security_explain_event(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                                            ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH),
                 "security mismatch"));
    CHECK(xgc_security_explain_event(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, 0) != NULL);
    CHECK(xgc_security_explain_event(ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0) == NULL);
    CHECK(xgc_security_explain_event(ZMQ_EVENT_CONNECTED, 0) == NULL);
}

/* Parse `text` as a deployment; 0/-1 and err. */
static int s_parse(const char *text, xgc_security_t *sec, char *err, size_t errlen)
{
    xgc_config_t *cfg = xgc_config_load_string(text, strlen(text), "/etc/xgc/d.yaml",
                                               err, errlen);
    if (!cfg)
        return -2;
    int rc = xgc_security_parse(cfg, sec, err, errlen);
    xgc_config_destroy(&cfg);
    return rc;
}

#define S_BASE "cluster: c\nbroker: {endpoint: 'tcp://127.0.0.1:7700'}\n"

XGC_TEST(parse_security_section)
{
    xgc_security_t sec;
    char err[512];
    CHECK(s_parse(S_BASE, &sec, err, sizeof err) == 0);
    CHECK(sec.mode == XGC_SECURITY_NONE);
    CHECK_STR(sec.domain, "xgc");
    CHECK(s_parse(S_BASE "security: {mode: curve, certs: keys}\n", &sec, err, sizeof err) == 0);
    CHECK(sec.mode == XGC_SECURITY_CURVE);
    CHECK_STR(sec.certs, "/etc/xgc/keys");
    CHECK(s_parse(S_BASE "security: {mode: curve, certs: /k, domain: prod}\n", &sec, err,
                  sizeof err) == 0);
    CHECK_STR(sec.certs, "/k");
    CHECK_STR(sec.domain, "prod");
    CHECK(s_parse(S_BASE "security: {mode: none}\n", &sec, err, sizeof err) == 0);
    CHECK(sec.mode == XGC_SECURITY_NONE);
}

XGC_TEST(parse_security_errors)
{
    xgc_security_t sec;
    char err[512];
    CHECK(s_parse(S_BASE "security: {mode: tls, certs: k}\n", &sec, err, sizeof err) == -1);
    CHECK(strstr(err, "/etc/xgc/d.yaml:3:") && strstr(err, "field 'mode'"));
    CHECK(strstr(err, "'tls' is not curve or none"));
    CHECK(s_parse(S_BASE "security: {mode: curve}\n", &sec, err, sizeof err) == -1);
    CHECK(strstr(err, "field 'certs'") && strstr(err, "missing"));
    CHECK(s_parse(S_BASE "security: {mode: curve, certs: k, color: red}\n", &sec, err,
                  sizeof err) == -1);
    CHECK(strstr(err, "color"));
    CHECK(s_parse(S_BASE "security: curve\n", &sec, err, sizeof err) == -1);
    CHECK(strstr(err, "field 'security'"));
    CHECK(s_parse(S_BASE "security: {mode: curve, certs: k, domain: ''}\n", &sec, err,
                  sizeof err) == -1);
    CHECK(strstr(err, "field 'domain'"));
}

int main(void)
{
    XGC_TEST_RUN(roles_parse_and_name);
    XGC_TEST_RUN(scheduler_writes_plans_power_sched_only);
    XGC_TEST_RUN(pmd_writes_only_its_own_keys);
    XGC_TEST_RUN(operator_writes_anything_others_nothing);
    XGC_TEST_RUN(events_by_role);
    XGC_TEST_RUN(per_vm_vmd_publishes_its_own_metric_only);
    XGC_TEST_RUN(vm_names_for_certificates);
    XGC_TEST_RUN(refusal_reason_names_role_host_and_key);
    XGC_TEST_RUN(cert_name_by_identity);
    XGC_TEST_RUN(explain_handshake_events);
    XGC_TEST_RUN(parse_security_section);
    XGC_TEST_RUN(parse_security_errors);
    return XGC_TEST_END();
}
