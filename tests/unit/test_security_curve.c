/* test_security_curve — the CURVE parts in one process, on loopback: the
 * server (zauth + keys) and a guard that maps a real message's User-Id to
 * its certificate's role; clients with a known key, an unknown key, no key;
 * certificate loading errors; mode none. */
#include <czmq.h>

#include "xgc_security.h"
#include "xgc_test.h"

static char s_dir[64];

/* A certificate like `xgc keygen` makes: public part in clients/ (or
 * broker.cert), key pair in secret/. */
static void s_cert(const char *name, const char *role, const char *host, bool admitted)
{
    zcert_t *cert = zcert_new();
    zcert_set_meta(cert, "role", "%s", role);
    if (host)
        zcert_set_meta(cert, "host", "%s", host);
    char path[256];
    snprintf(path, sizeof path, "%s/secret/%s.cert_secret", s_dir, name);
    zcert_save_secret(cert, path);
    if (streq(role, "broker"))
        snprintf(path, sizeof path, "%s/broker.cert", s_dir);
    else
        snprintf(path, sizeof path, "%s/%s/%s.cert", s_dir, admitted ? "clients" : "other",
                 name);
    zcert_save_public(cert, path);
    zcert_destroy(&cert);
}

static xgc_config_t *s_config(const char *mode)
{
    char text[512], err[512];
    snprintf(text, sizeof text, "cluster: t\nbroker: {endpoint: 'tcp://127.0.0.1:7700'}\n"
             "security: {mode: %s, certs: %s}\n", mode, s_dir);
    xgc_config_t *cfg = xgc_config_load_string(text, strlen(text), "t.yaml", err, sizeof err);
    if (!cfg)
        fprintf(stderr, "%s\n", err);
    return cfg;
}

/* A DEALER of `identity` connected to router (watched from before it
 * connects if watch is not NULL); NULL if its keys fail. */
static zsock_t *s_client(xgc_config_t *cfg, const char *identity, int port,
                         xgc_security_watch_t **watch)
{
    char err[512];
    xgc_security_client_t *sec = xgc_security_client_new(cfg, identity, err, sizeof err);
    if (!sec)
        return NULL;
    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    xgc_security_client_apply(sec, dealer);
    xgc_security_client_destroy(&sec);
    if (watch)
        *watch = xgc_security_watch_new(dealer);
    zsock_connect(dealer, "tcp://127.0.0.1:%d", port);
    return dealer;
}

/* Receive [identity][frame] on router within 2 s into msg (the data frame). */
static bool s_recv(zsock_t *router, zmq_msg_t *msg)
{
    zsock_set_rcvtimeo(router, 2000);
    zmq_msg_t id;
    zmq_msg_init(&id);
    bool ok = zmq_msg_recv(&id, zsock_resolve(router), 0) >= 0
              && zmq_msg_recv(msg, zsock_resolve(router), 0) >= 0;
    zmq_msg_close(&id);
    return ok;
}

XGC_TEST(known_keys_get_their_role)
{
    xgc_config_t *cfg = s_config("curve");
    char err[512];
    xgc_security_server_t *server = xgc_security_server_new(cfg, err, sizeof err);
    CHECK(server);
    xgc_security_guard_t *guard = xgc_security_guard_new();
    CHECK(guard);
    zsock_t *router = zsock_new(ZMQ_ROUTER);
    xgc_security_server_apply(router);
    int port = zsock_bind(router, "tcp://127.0.0.1:*");
    CHECK(port > 0);

    zsock_t *pmd = s_client(cfg, "pmd-pm1", port, NULL);
    CHECK(pmd);
    zstr_send(pmd, "hello");
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    CHECK(s_recv(router, &msg));
    char why[256];
    CHECK(xgc_security_guard_write(guard, &msg, "pm/pm1/alive", why, sizeof why));
    CHECK(!xgc_security_guard_write(guard, &msg, "plan/pm1/web1", why, sizeof why));
    CHECK(strstr(why, "role pmd host pm1"));
    zmq_msg_close(&msg);

    zsock_t *op = s_client(cfg, "xgc-set", port, NULL);
    CHECK(op);
    zstr_send(op, "cmd.pm1.create");
    zmq_msg_init(&msg);
    CHECK(s_recv(router, &msg));
    CHECK(xgc_security_guard_write(guard, &msg, "vm/web1/spec", why, sizeof why));
    CHECK(xgc_security_guard_event(guard, &msg));
    zmq_msg_close(&msg);

    zstr_send(pmd, "cmd.pm1.create");           /* a pmd may not publish commands */
    zmq_msg_init(&msg);
    CHECK(s_recv(router, &msg));
    CHECK(!xgc_security_guard_event(guard, &msg));
    zmq_msg_close(&msg);

    zsock_destroy(&pmd);
    zsock_destroy(&op);
    zsock_destroy(&router);
    xgc_security_guard_destroy(&guard);
    xgc_security_server_destroy(&server);
    xgc_config_destroy(&cfg);
}

/* Connect a client to a CURVE router and return what its watch says. */
static const char *s_watch_reason(xgc_config_t *client_cfg, const char *identity)
{
    xgc_config_t *cfg = s_config("curve");
    char err[512];
    xgc_security_server_t *server = xgc_security_server_new(cfg, err, sizeof err);
    zsock_t *router = zsock_new(ZMQ_ROUTER);
    xgc_security_server_apply(router);
    int port = zsock_bind(router, "tcp://127.0.0.1:*");
    xgc_security_watch_t *watch = NULL;
    zsock_t *client = s_client(client_cfg, identity, port, &watch);
    const char *why = NULL;
    for (int i = 0; watch && i < 40 && !why; i++) {
        zclock_sleep(50);
        why = xgc_security_watch_check(watch);
    }
    xgc_security_watch_destroy(&watch);
    zsock_destroy(&client);
    zsock_destroy(&router);
    xgc_security_server_destroy(&server);
    xgc_config_destroy(&cfg);
    return why;
}

XGC_TEST(unknown_key_and_plaintext_are_explained)
{
    xgc_config_t *curve = s_config("curve"), *plain = s_config("none");
    setenv("XGC_CERT", "stranger", 1);          /* in secret/, not in clients/ */
    const char *unknown = s_watch_reason(curve, "xgc-ls");
    unsetenv("XGC_CERT");
    const char *plaintext = s_watch_reason(plain, "xgc-ls");
    xgc_config_destroy(&curve);
    xgc_config_destroy(&plain);
    CHECK(unknown && strstr(unknown, "refused our key"));
    CHECK(plaintext && (strstr(plaintext, "security mismatch")
                        || strstr(plaintext, "settings differ")));
    CHECK(xgc_security_last_failure() != NULL);
}

XGC_TEST(missing_certificates)
{
    xgc_config_t *cfg = s_config("curve");
    char err[512];
    xgc_security_client_t *sec = xgc_security_client_new(cfg, "pmd-pm9", err, sizeof err);
    CHECK(!sec);
    CHECK(strstr(err, "secret/pmd-pm9.cert_secret"));
    setenv("XGC_CERT", "/nonexistent/me.cert", 1);
    sec = xgc_security_client_new(cfg, "xgc-ls", err, sizeof err);
    unsetenv("XGC_CERT");
    CHECK(!sec);
    CHECK(strstr(err, "/nonexistent/me.cert"));
    xgc_config_destroy(&cfg);
}

XGC_TEST(mode_none_checks_nothing)
{
    xgc_config_t *cfg = s_config("none");
    char err[512];
    xgc_security_server_t *server = xgc_security_server_new(cfg, err, sizeof err);
    CHECK(server);
    CHECK(xgc_security_guard_new() == NULL);
    zmq_msg_t msg;
    zmq_msg_init_size(&msg, 4);
    memcpy(zmq_msg_data(&msg), "cmd.", 4);
    CHECK(xgc_security_guard_write(NULL, &msg, "plan/x/y", err, sizeof err));
    CHECK(xgc_security_guard_event(NULL, &msg));
    zmq_msg_close(&msg);
    xgc_security_client_t *sec = xgc_security_client_new(cfg, "pmd-pm1", err, sizeof err);
    CHECK(sec);
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    xgc_security_client_apply(sec, sock);       /* a no-op */
    CHECK(zsock_curve_server(sock) == 0);
    zsock_destroy(&sock);
    xgc_security_client_destroy(&sec);
    xgc_security_server_destroy(&server);
    xgc_config_destroy(&cfg);
}

int main(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/xgc-test-security.%d", getpid());
    zsys_dir_create("%s/clients", s_dir);
    zsys_dir_create("%s/secret", s_dir);
    zsys_dir_create("%s/other", s_dir);
    s_cert("broker", "broker", NULL, true);
    s_cert("pmd-pm1", "pmd", "pm1", true);
    s_cert("operator", "operator", NULL, true);
    s_cert("stranger", "operator", NULL, false);
    XGC_TEST_RUN(known_keys_get_their_role);
    XGC_TEST_RUN(unknown_key_and_plaintext_are_explained);
    XGC_TEST_RUN(missing_certificates);
    XGC_TEST_RUN(mode_none_checks_nothing);
    zdir_t *dir = zdir_new(s_dir, NULL);        /* remove the certificates */
    zdir_remove(dir, true);
    zdir_destroy(&dir);
    zsys_shutdown();
    return XGC_TEST_END();
}
