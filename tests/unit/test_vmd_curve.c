/* test_vmd_curve — the vmd's CURVE client (vmd/curve.c, vmd/zmtp.c) against
 * a real libzmq: Z85 and certificate files checked against czmq's own; the
 * HELLO opened with the server's secret key; then the vmd's publisher
 * connected over TCP on loopback to a libzmq XSUB that is a CURVE server
 * (czmq zcert, zauth on a certificate directory), sending messages short and
 * long (empty to 70 000 bytes: nonces and both frame-length forms) that
 * must arrive intact; a wrong server key, an unknown client key and both
 * security mismatches must fail with their reason, back off, and not crash.
 */
#include <czmq.h>
#include <sodium.h>

#include "vmd/curve.h"
#include "vmd/zmtp.h"
#include "xgc_test.h"
#include "xgc_test_dir.h"

static char s_dir[64];

/* A certificate saved as `xgc keygen` does; admitted: its public part in
 * clients/ (the directory zauth reads). The caller destroys it. */
static zcert_t *s_cert(const char *name, bool admitted)
{
    zcert_t *cert = zcert_new();
    zcert_set_meta(cert, "role", "vmd");
    char path[256];
    snprintf(path, sizeof path, "%s/secret/%s.cert_secret", s_dir, name);
    zcert_save_secret(cert, path);
    snprintf(path, sizeof path, "%s/%s/%s.cert", s_dir, admitted ? "clients" : "other", name);
    zcert_save_public(cert, path);
    return cert;
}

static void s_keys(xgc_curve_keys_t *keys, zcert_t *server, zcert_t *client)
{
    memcpy(keys->server, zcert_public_key(server), 32);
    memcpy(keys->public_key, zcert_public_key(client), 32);
    memcpy(keys->secret_key, zcert_secret_key(client), 32);
}

/* An XSUB bound to a free loopback port, a CURVE server with server's keys
 * in the ZAP domain "xgc" if server is not NULL, else plaintext. */
static zsock_t *s_xsub(zcert_t *server, int *port)
{
    zsock_t *sock = zsock_new(ZMQ_XSUB);
    if (server) {
        zcert_apply(server, sock);
        zsock_set_curve_server(sock, 1);
        zsock_set_zap_domain(sock, "xgc");
    }
    zsock_set_rcvtimeo(sock, 3000);
    *port = zsock_bind(sock, "tcp://127.0.0.1:*");
    return sock;
}

static xgc_zmtp_t *s_pub(int port)
{
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    return xgc_zmtp_new(ep);
}

/* Receive [topic][payload] and compare it with what was sent. */
static bool s_received(zsock_t *sock, const char *topic, const uint8_t *data, size_t len)
{
    zmsg_t *msg = zmsg_recv(sock);
    if (!msg)
        return false;
    zframe_t *t = zmsg_first(msg), *d = zmsg_next(msg);
    bool ok = zmsg_size(msg) == 2 && zframe_streq(t, topic) && zframe_size(d) == len
              && (len == 0 || memcmp(zframe_data(d), data, len) == 0);
    zmsg_destroy(&msg);
    return ok;
}

XGC_TEST(z85_and_certificates_match_czmq)
{
    zcert_t *cert = s_cert("k", true);
    uint8_t pub[32], sec[32];
    CHECK(xgc_curve_z85_decode(zcert_public_txt(cert), pub) == 0);
    CHECK(memcmp(pub, zcert_public_key(cert), 32) == 0);
    CHECK(xgc_curve_z85_decode(zcert_secret_txt(cert), sec) == 0);
    CHECK(memcmp(sec, zcert_secret_key(cert), 32) == 0);
    CHECK(xgc_curve_z85_decode("short", pub) == -1);
    CHECK(xgc_curve_z85_decode("#####00000000000000000000000000000000000", pub) == -1);
    CHECK(xgc_curve_z85_decode("~~~~~00000000000000000000000000000000000", pub) == -1);

    char path[256], err[300];
    memset(pub, 0, 32);
    snprintf(path, sizeof path, "%s/secret/k.cert_secret", s_dir);
    CHECK(xgc_curve_cert_load(path, 1, pub, sec, err, sizeof err) == 0);
    CHECK(memcmp(pub, zcert_public_key(cert), 32) == 0);
    CHECK(memcmp(sec, zcert_secret_key(cert), 32) == 0);
    snprintf(path, sizeof path, "%s/clients/k.cert", s_dir);
    CHECK(xgc_curve_cert_load(path, 0, pub, sec, err, sizeof err) == 0);
    CHECK(xgc_curve_cert_load(path, 1, pub, sec, err, sizeof err) == -1);
    CHECK(strstr(err, "holds no secret key"));
    CHECK(xgc_curve_server_key(path, pub, err, sizeof err) == 0);
    CHECK(memcmp(pub, zcert_public_key(cert), 32) == 0);
    CHECK(xgc_curve_server_key(zcert_public_txt(cert), sec, err, sizeof err) == 0);
    CHECK(memcmp(sec, pub, 32) == 0);
    /* a 40-character path is also valid Z85: the file wins */
    char link[128];
    snprintf(link, sizeof link, "%s/%.*s", s_dir, (int)(39 - strlen(s_dir)),
             "0123456789012345678901234567890123456789");
    CHECK(strlen(link) == 40 && symlink(path, link) == 0);
    memset(sec, 0, 32);
    CHECK(xgc_curve_server_key(link, sec, err, sizeof err) == 0);
    CHECK(memcmp(sec, pub, 32) == 0);
    CHECK(xgc_curve_server_key("/nonexistent/broker.cert", pub, err, sizeof err) == -1);
    CHECK(strstr(err, "neither a certificate file nor 40 Z85 characters"));
    CHECK(xgc_curve_cert_load("/nonexistent/x.cert", 0, pub, sec, err, sizeof err) == -1);
    CHECK(strstr(err, "cannot read the certificate /nonexistent/x.cert"));
    /* a key outside the curve section, or a malformed one, is no key */
    CHECK(xgc_curve_cert_parse("metadata\n    public-key = \"x\"\n", pub, sec) == -1);
    CHECK(xgc_curve_cert_parse("curve\n    public-key = \"abc\"\n", pub, sec) == -1);
    CHECK(xgc_curve_cert_parse("", pub, sec) == -1);
    zcert_destroy(&cert);
}

XGC_TEST(hello_opens_with_the_server_key)
{
    zcert_t *server = zcert_new(), *client = zcert_new();
    xgc_curve_keys_t keys;
    s_keys(&keys, server, client);
    xgc_curve_t *c = xgc_curve_new(&keys);
    CHECK(c);
    uint8_t hello[XGC_CURVE_HELLO_LEN], zero[80] = {0}, plain[64], nonce[24];
    CHECK(xgc_curve_hello(c, hello) == 0);
    CHECK(memcmp(hello, "\5HELLO\1\0", 8) == 0 && memcmp(hello + 8, zero, 72) == 0);
    CHECK(memcmp(hello + 112, "\0\0\0\0\0\0\0\1", 8) == 0);     /* first short nonce */
    memcpy(nonce, "CurveZMQHELLO---", 16);
    memcpy(nonce + 16, hello + 112, 8);
    CHECK(crypto_box_open_easy(plain, hello + 120, 80, nonce, hello + 80,
                               zcert_secret_key(server)) == 0);
    CHECK(memcmp(plain, zero, 64) == 0);
    /* nothing boxed to the server before WELCOME, nothing sent before READY */
    uint8_t out[512] = {0};      /* the WELCOME below: a box of zeros, not stack garbage */
    CHECK(xgc_curve_initiate(c, NULL, 0, out, sizeof out) == 0);
    CHECK(xgc_curve_message(c, 0, "x", 1, out, sizeof out) == 0);
    memcpy(out, "\7WELCOME", 8);
    CHECK(xgc_curve_welcome(c, out, XGC_CURVE_WELCOME_LEN) == -1);   /* does not open */
    CHECK(xgc_curve_welcome(c, out, 20) == -1);
    CHECK(xgc_curve_ready(c, (const uint8_t *)"\5READY", 6) == -1);
    xgc_curve_destroy(&c);
    xgc_curve_destroy(&c);
    zcert_destroy(&server);
    zcert_destroy(&client);
}

XGC_TEST(messages_reach_a_libzmq_curve_server)
{
    zcert_t *server = zcert_new(), *client = s_cert("vmd", true);
    int port;
    zsock_t *xsub = s_xsub(server, &port);
    CHECK(port > 0);
    xgc_curve_keys_t keys;
    s_keys(&keys, server, client);
    xgc_zmtp_t *z = s_pub(port);
    xgc_zmtp_set_curve(z, &keys);
    CHECK_STR(xgc_zmtp_mechanism(z), "CURVE");
    static const size_t sizes[] = {0, 1, 17, 222, 223, 255, 256, 1000, 70000, 3};
    uint8_t *data = malloc(70000);
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        for (size_t b = 0; b < sizes[i]; b++)
            data[b] = (uint8_t)(b * 7 + i);
        char topic[64];
        snprintf(topic, sizeof topic, "metric.vm.web%zu", i);
        if (xgc_zmtp_publish(z, topic, data, sizes[i], 3000) < 0)
            fprintf(stderr, "publish: %s\n", xgc_zmtp_error(z));
        CHECK(s_received(xsub, topic, data, sizes[i]));
    }
    free(data);
    xgc_zmtp_destroy(&z);
    zsock_destroy(&xsub);
    zcert_destroy(&server);
    zcert_destroy(&client);
}

XGC_TEST(refusals_are_explained)
{
    zcert_t *server = zcert_new(), *known = s_cert("vmd2", true), *stranger = s_cert("x", false);
    zcert_t *impostor = zcert_new();
    int port, plain_port;
    zsock_t *xsub = s_xsub(server, &port), *plain = s_xsub(NULL, &plain_port);
    xgc_curve_keys_t keys;

    /* the wrong broker key: the broker cannot open our HELLO */
    s_keys(&keys, impostor, known);
    xgc_zmtp_t *z = s_pub(port);
    xgc_zmtp_set_curve(z, &keys);
    CHECK(xgc_zmtp_publish(z, "metric.vm.a", "x", 1, 2000) == -1);
    CHECK(strstr(xgc_zmtp_error(z), "public key"));
    /* backing off: the next try fails at once, the reason stays */
    int64_t t0 = zclock_mono();
    CHECK(xgc_zmtp_publish(z, "metric.vm.a", "x", 1, 2000) == -1);
    CHECK(zclock_mono() - t0 < 100);
    CHECK(strstr(xgc_zmtp_error(z), "public key"));
    xgc_zmtp_destroy(&z);

    /* a key not in clients/: ZAP says 400 */
    s_keys(&keys, server, stranger);
    z = s_pub(port);
    xgc_zmtp_set_curve(z, &keys);
    CHECK(xgc_zmtp_publish(z, "metric.vm.a", "x", 1, 2000) == -1);
    CHECK(strstr(xgc_zmtp_error(z), "refused our key"));
    xgc_zmtp_destroy(&z);

    /* plaintext against CURVE, CURVE against plaintext */
    z = s_pub(port);
    CHECK(xgc_zmtp_publish(z, "metric.vm.a", "x", 1, 2000) == -1);
    CHECK(strstr(xgc_zmtp_error(z), "security mismatch: the broker uses CURVE"));
    xgc_zmtp_destroy(&z);
    s_keys(&keys, server, known);
    z = s_pub(plain_port);
    xgc_zmtp_set_curve(z, &keys);
    CHECK(xgc_zmtp_publish(z, "metric.vm.a", "x", 1, 2000) == -1);
    CHECK(strstr(xgc_zmtp_error(z), "security mismatch: the broker is plaintext"));
    xgc_zmtp_destroy(&z);

    /* and nothing of it reached the server; plaintext still works */
    zsock_set_rcvtimeo(xsub, 100);
    zmsg_t *none = zmsg_recv(xsub);
    CHECK(none == NULL);
    z = s_pub(plain_port);
    CHECK(xgc_zmtp_publish(z, "metric.vm.p", "plain", 5, 2000) == 0);
    CHECK(s_received(plain, "metric.vm.p", (const uint8_t *)"plain", 5));
    xgc_zmtp_destroy(&z);

    zsock_destroy(&xsub);
    zsock_destroy(&plain);
    zcert_destroy(&server);
    zcert_destroy(&known);
    zcert_destroy(&stranger);
    zcert_destroy(&impostor);
}

int main(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/xgc-test-vmd-curve.%d", getpid());
    xgc_test_rmrf(s_dir);
    char sub[128];
    const char *subs[] = {"secret", "clients", "other"};
    for (int i = 0; i < 3; i++) {
        snprintf(sub, sizeof sub, "%s/%s", s_dir, subs[i]);
        zsys_dir_create("%s", sub);
    }
    /* one ZAP handler for the process (a test that fails early leaves its
     * sockets behind, not the handler), admitting the keys of clients/ */
    zactor_t *auth = zactor_new(zauth, NULL);
    snprintf(sub, sizeof sub, "%s/clients", s_dir);
    zstr_sendx(auth, "CURVE", sub, NULL);
    zsock_wait(auth);
    XGC_TEST_RUN(z85_and_certificates_match_czmq);
    XGC_TEST_RUN(hello_opens_with_the_server_key);
    XGC_TEST_RUN(messages_reach_a_libzmq_curve_server);
    XGC_TEST_RUN(refusals_are_explained);
    zactor_destroy(&auth);
    xgc_test_rmrf(s_dir);
    zsys_shutdown();
    return XGC_TEST_END();
}
