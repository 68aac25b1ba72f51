/* curve — the client side of the CURVE security mechanism, for the vmd's
 * own ZMTP publisher (vmd/zmtp.h), so that the static vmd can join a broker
 * running `security: {mode: curve}` without libzmq.
 *
 * CurveZMQ (rfc.zeromq.org/spec/26) as ZMTP 3.0 carries it (spec/25,
 * ZMTP-CURVE): after the greeting the client sends HELLO (its transient key
 * C' and a box only the server's long-term key S opens), the server answers
 * WELCOME (its transient key S' and a cookie, boxed to C'), the client sends
 * INITIATE (the cookie, and boxed to S': its long-term key C, a vouch
 * Box[C',S](C->S') proving it holds c, and its metadata), the server answers
 * READY (its metadata, boxed) or ERROR (e.g. the ZAP handler refused C).
 * Every message frame then travels as a MESSAGE: a short nonce and
 * Box[flags + body](C'->S').
 *
 * This module is the pure codec (command bodies in, command bodies out;
 * no sockets) over libsodium, plus reading keys: Z85 (spec/32) and the
 * czmq certificate files `xgc keygen` writes (docs/security.md).
 */
#ifndef XGC_VMD_CURVE_H
#define XGC_VMD_CURVE_H

#include <stddef.h>
#include <stdint.h>

#define XGC_CURVE_KEY_LEN 32
#define XGC_CURVE_Z85_LEN 40
#define XGC_CURVE_HELLO_LEN 200      /* the HELLO command body */
#define XGC_CURVE_WELCOME_LEN 168    /* the WELCOME command body */
#define XGC_CURVE_MESSAGE_OVERHEAD 33   /* "\7MESSAGE", nonce, MAC, flags */

/* The long-term keys of a client: the server's public key S and our pair. */
typedef struct {
    uint8_t server[XGC_CURVE_KEY_LEN];
    uint8_t public_key[XGC_CURVE_KEY_LEN];
    uint8_t secret_key[XGC_CURVE_KEY_LEN];
} xgc_curve_keys_t;

/* Pure: 40 Z85 characters -> 32 bytes. 0, or -1 if text is not that. */
int xgc_curve_z85_decode(const char *text, uint8_t out[XGC_CURVE_KEY_LEN]);

/* Pure: the keys of a czmq certificate's text (its `curve` section:
 * public-key = "<z85>", secret-key = "<z85>"). Returns -1 without a valid
 * public key, else the number of keys found (1: public only, 2: both). */
int xgc_curve_cert_parse(const char *text, uint8_t pub[XGC_CURVE_KEY_LEN],
                         uint8_t sec[XGC_CURVE_KEY_LEN]);
/* Read a certificate file; need_secret: it must hold the secret key too
 * (an all-zero secret key counts as none). 0, or -1 with a reason. */
int xgc_curve_cert_load(const char *path, int need_secret, uint8_t pub[XGC_CURVE_KEY_LEN],
                        uint8_t sec[XGC_CURVE_KEY_LEN], char *err, size_t errlen);
/* A server key given as a certificate file or, if no such file exists, as
 * 40 Z85 characters. */
int xgc_curve_server_key(const char *key_or_path, uint8_t out[XGC_CURVE_KEY_LEN],
                         char *err, size_t errlen);

/* One handshake and the connection after it (a new one per connection:
 * it holds the transient keys and the nonces). */
typedef struct xgc_curve_t xgc_curve_t;

/* NULL if libsodium cannot start. */
xgc_curve_t *xgc_curve_new(const xgc_curve_keys_t *keys);
void xgc_curve_destroy(xgc_curve_t **self_p);

/* The HELLO body (XGC_CURVE_HELLO_LEN bytes): 0, or -1 if the server key
 * is unusable. */
int xgc_curve_hello(xgc_curve_t *self, uint8_t out[XGC_CURVE_HELLO_LEN]);
/* Take the WELCOME body: 0, or -1 if it is malformed or does not open with
 * the server key we were given. */
int xgc_curve_welcome(xgc_curve_t *self, const uint8_t *body, size_t len);
/* The INITIATE body carrying metadata (ZMTP properties); its length, 0 if
 * cap is too small or WELCOME was not taken. */
size_t xgc_curve_initiate(xgc_curve_t *self, const uint8_t *meta, size_t meta_len,
                          uint8_t *out, size_t cap);
/* Take the READY body: 0, or -1 if malformed or it does not open. */
int xgc_curve_ready(xgc_curve_t *self, const uint8_t *body, size_t len);
/* One message frame as a MESSAGE body (len + XGC_CURVE_MESSAGE_OVERHEAD
 * bytes); its length, 0 if cap is too small or the handshake is not done. */
size_t xgc_curve_message(xgc_curve_t *self, int more, const void *data, size_t len,
                         uint8_t *out, size_t cap);

#endif
