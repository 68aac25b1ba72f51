/* curve — CurveZMQ client codec and key files (curve.h).
 *
 * Layouts (rfc.zeromq.org/spec/26 and spec/25); every Box is libsodium's
 * crypto_box "easy" form: a 16-byte MAC followed by the ciphertext.
 *   HELLO    \5HELLO, version 1.0, 72 zero bytes, C', short nonce,
 *            Box[64 zero bytes](C'->S)            nonce "CurveZMQHELLO---"
 *   WELCOME  \7WELCOME, 16-byte long nonce, Box[S' + cookie(96)](S->C')
 *                                                 nonce "WELCOME-"
 *   INITIATE \10INITIATE, cookie, short nonce,
 *            Box[C + vouch nonce(16) + vouch(80) + metadata](C'->S')
 *                                                 nonce "CurveZMQINITIATE"
 *            vouch = Box[C' + S](C->S')           nonce "VOUCH---"
 *   READY    \5READY, short nonce, Box[metadata](S'->C')
 *                                                 nonce "CurveZMQREADY---"
 *   MESSAGE  \7MESSAGE, short nonce, Box[flags + body](C'->S')
 *                                                 nonce "CurveZMQMESSAGEC"
 * Short nonces are 8-byte big-endian counters that must grow: HELLO uses 1,
 * INITIATE 2, messages 3, 4, ... (the server refuses a nonce it has seen).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmd/curve.h"

#define S_NONCE 24           /* crypto_box_NONCEBYTES */
#define S_MAC 16             /* crypto_box_MACBYTES */
#define S_COOKIE 96

struct xgc_curve_t {
    xgc_curve_keys_t keys;
    uint8_t cn_public[XGC_CURVE_KEY_LEN], cn_secret[XGC_CURVE_KEY_LEN];  /* C', c' */
    uint8_t cn_server[XGC_CURVE_KEY_LEN];                                /* S' */
    uint8_t cookie[S_COOKIE];
    uint8_t precom[crypto_box_BEFORENMBYTES];   /* shared key of c' and S' */
    uint64_t nonce;                             /* our next short nonce */
    int welcomed, ready;
};

/* ---- keys ------------------------------------------------------------------ */

static const char s_z85[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

int xgc_curve_z85_decode(const char *text, uint8_t out[XGC_CURVE_KEY_LEN])
{
    if (!text || strlen(text) != XGC_CURVE_Z85_LEN)
        return -1;
    for (int i = 0; i < XGC_CURVE_Z85_LEN; i += 5) {
        uint64_t v = 0;
        for (int j = 0; j < 5; j++) {
            const char *at = text[i + j] ? strchr(s_z85, text[i + j]) : NULL;
            if (!at)
                return -1;
            v = v * 85 + (uint64_t)(at - s_z85);
        }
        if (v > 0xFFFFFFFFu)
            return -1;
        for (int b = 0; b < 4; b++)
            out[i / 5 * 4 + b] = (uint8_t)(v >> (24 - 8 * b));
    }
    return 0;
}

/* `name = "value"` (or unquoted) on line: the value's key into out. */
static int s_cert_value(const char *line, const char *name, uint8_t out[XGC_CURVE_KEY_LEN])
{
    size_t n = strlen(name);
    line += strspn(line, " \t");
    if (strncmp(line, name, n) != 0)
        return 0;
    line += n;
    line += strspn(line, " \t");
    if (*line++ != '=')
        return 0;
    line += strspn(line, " \t\"");
    char z85[XGC_CURVE_Z85_LEN + 1];
    size_t len = strcspn(line, "\"\r\n \t");
    if (len != XGC_CURVE_Z85_LEN)
        return -1;
    memcpy(z85, line, len);
    z85[len] = '\0';
    return xgc_curve_z85_decode(z85, out) == 0 ? 1 : -1;
}

int xgc_curve_cert_parse(const char *text, uint8_t pub[XGC_CURVE_KEY_LEN],
                         uint8_t sec[XGC_CURVE_KEY_LEN])
{
    int in_curve = 0, have_pub = 0, have_sec = 0;
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line += !!line) {
        if (*line == '#' || *line == '\n')
            continue;
        if (*line != ' ' && *line != '\t') {     /* a section name */
            in_curve = strncmp(line, "curve", 5) == 0 && strchr("\r\n", line[5]);
            continue;
        }
        if (!in_curve)
            continue;
        int p = s_cert_value(line, "public-key", pub);
        int s = p ? 0 : s_cert_value(line, "secret-key", sec);
        if (p < 0 || s < 0)
            return -1;
        have_pub |= p;
        have_sec |= s;
    }
    return have_pub ? 1 + have_sec : -1;
}

int xgc_curve_cert_load(const char *path, int need_secret, uint8_t pub[XGC_CURVE_KEY_LEN],
                        uint8_t sec[XGC_CURVE_KEY_LEN], char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char text[4096];
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    if (!f) {
        snprintf(err, errlen, "cannot read the certificate %s: %m", path);
        return -1;
    }
    text[n] = '\0';
    static const uint8_t zero[XGC_CURVE_KEY_LEN];
    memset(sec, 0, XGC_CURVE_KEY_LEN);
    int keys = xgc_curve_cert_parse(text, pub, sec);
    if (keys < 0) {
        snprintf(err, errlen, "%s is not a CURVE certificate (no valid public-key in a "
                 "curve section)", path);
        return -1;
    }
    if (need_secret && (keys < 2 || memcmp(sec, zero, sizeof zero) == 0)) {
        snprintf(err, errlen, "%s holds no secret key (give the .cert_secret file)", path);
        return -1;
    }
    return 0;
}

int xgc_curve_server_key(const char *key_or_path, uint8_t out[XGC_CURVE_KEY_LEN],
                         char *err, size_t errlen)
{
    /* a file first: a 40-character path can also be valid Z85 */
    uint8_t unused[XGC_CURVE_KEY_LEN];
    if (access(key_or_path, F_OK) == 0)
        return xgc_curve_cert_load(key_or_path, 0, out, unused, err, errlen);
    if (xgc_curve_z85_decode(key_or_path, out) == 0)
        return 0;
    snprintf(err, errlen, "server key '%s' is neither a certificate file nor 40 Z85 "
             "characters", key_or_path);
    return -1;
}

/* ---- the handshake and messages --------------------------------------------- */

xgc_curve_t *xgc_curve_new(const xgc_curve_keys_t *keys)
{
    if (sodium_init() < 0)
        return NULL;
    xgc_curve_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->keys = *keys;
    self->nonce = 1;
    crypto_box_keypair(self->cn_public, self->cn_secret);
    return self;
}

void xgc_curve_destroy(xgc_curve_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sodium_memzero(*self_p, sizeof **self_p);   /* transient secrets */
    free(*self_p);
    *self_p = NULL;
}

static void s_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* prefix (16 or 8 bytes) + tail (8 or 16 bytes) = a 24-byte nonce. */
static void s_nonce(uint8_t out[S_NONCE], const char *prefix, const uint8_t *tail)
{
    size_t n = strlen(prefix);
    memcpy(out, prefix, n);
    memcpy(out + n, tail, S_NONCE - n);
}

/* The next short nonce into nonce_at (8 bytes) and Box[plain](C'->S') with
 * that nonce after prefix into box_at; returns the box's length. */
static size_t s_short_box(xgc_curve_t *self, const char *prefix, uint8_t *nonce_at,
                          uint8_t *box_at, const uint8_t *plain, size_t len)
{
    uint8_t nonce[S_NONCE];
    s_put64(nonce_at, self->nonce++);
    s_nonce(nonce, prefix, nonce_at);
    crypto_box_easy_afternm(box_at, plain, len, nonce, self->precom);
    return S_MAC + len;
}

int xgc_curve_hello(xgc_curve_t *self, uint8_t out[XGC_CURVE_HELLO_LEN])
{
    uint8_t zero[64] = {0}, nonce[S_NONCE], tail[8];
    memset(out, 0, XGC_CURVE_HELLO_LEN);
    memcpy(out, "\5HELLO\1\0", 8);                  /* then 72 bytes of padding */
    memcpy(out + 80, self->cn_public, XGC_CURVE_KEY_LEN);
    s_put64(tail, self->nonce++);
    memcpy(out + 112, tail, 8);
    s_nonce(nonce, "CurveZMQHELLO---", tail);
    return crypto_box_easy(out + 120, zero, sizeof zero, nonce, self->keys.server,
                           self->cn_secret) == 0 ? 0 : -1;
}

int xgc_curve_welcome(xgc_curve_t *self, const uint8_t *body, size_t len)
{
    uint8_t nonce[S_NONCE], plain[XGC_CURVE_KEY_LEN + S_COOKIE];
    if (len != XGC_CURVE_WELCOME_LEN || memcmp(body, "\7WELCOME", 8) != 0)
        return -1;
    s_nonce(nonce, "WELCOME-", body + 8);
    if (crypto_box_open_easy(plain, body + 24, len - 24, nonce, self->keys.server,
                             self->cn_secret) != 0)
        return -1;
    memcpy(self->cn_server, plain, XGC_CURVE_KEY_LEN);
    memcpy(self->cookie, plain + XGC_CURVE_KEY_LEN, S_COOKIE);
    if (crypto_box_beforenm(self->precom, self->cn_server, self->cn_secret) != 0)
        return -1;
    self->welcomed = 1;
    return 0;
}

size_t xgc_curve_initiate(xgc_curve_t *self, const uint8_t *meta, size_t meta_len,
                          uint8_t *out, size_t cap)
{
    size_t plain_len = XGC_CURVE_KEY_LEN + 16 + 80 + meta_len;
    size_t total = 9 + S_COOKIE + 8 + S_MAC + plain_len;
    if (!self->welcomed || total > cap)
        return 0;
    uint8_t *plain = malloc(plain_len), vouch_plain[64], vouch_nonce[S_NONCE];
    if (!plain)
        return 0;
    /* C, then the vouch: Box[C' + S](C->S') from our long-term key */
    memcpy(plain, self->keys.public_key, XGC_CURVE_KEY_LEN);
    memcpy(vouch_plain, self->cn_public, XGC_CURVE_KEY_LEN);
    memcpy(vouch_plain + XGC_CURVE_KEY_LEN, self->keys.server, XGC_CURVE_KEY_LEN);
    memcpy(vouch_nonce, "VOUCH---", 8);
    randombytes_buf(vouch_nonce + 8, 16);
    memcpy(plain + XGC_CURVE_KEY_LEN, vouch_nonce + 8, 16);
    if (crypto_box_easy(plain + XGC_CURVE_KEY_LEN + 16, vouch_plain, sizeof vouch_plain,
                        vouch_nonce, self->cn_server, self->keys.secret_key) == 0) {
        if (meta_len)
            memcpy(plain + XGC_CURVE_KEY_LEN + 16 + 80, meta, meta_len);
        memcpy(out, "\10INITIATE", 9);
        memcpy(out + 9, self->cookie, S_COOKIE);
        s_short_box(self, "CurveZMQINITIATE", out + 9 + S_COOKIE, out + 17 + S_COOKIE,
                    plain, plain_len);
    } else {
        total = 0;      /* a key of small order: nothing to send */
    }
    sodium_memzero(plain, plain_len);
    free(plain);
    return total;
}

int xgc_curve_ready(xgc_curve_t *self, const uint8_t *body, size_t len)
{
    uint8_t nonce[S_NONCE];
    if (!self->welcomed || len < 14 + S_MAC || memcmp(body, "\5READY", 6) != 0)
        return -1;
    uint8_t *meta = malloc(len - 14 - S_MAC + 1);
    if (!meta)
        return -1;
    s_nonce(nonce, "CurveZMQREADY---", body + 6);
    int rc = crypto_box_open_easy_afternm(meta, body + 14, len - 14, nonce, self->precom);
    free(meta);
    self->ready = rc == 0;
    return rc == 0 ? 0 : -1;
}

size_t xgc_curve_message(xgc_curve_t *self, int more, const void *data, size_t len,
                         uint8_t *out, size_t cap)
{
    if (!self->ready || len + XGC_CURVE_MESSAGE_OVERHEAD > cap)
        return 0;
    /* plaintext = flags + body, built in place after the header and MAC,
     * then boxed in place (libsodium allows overlapping in and out) */
    uint8_t *plain = out + 16 + S_MAC;
    plain[0] = more ? 1 : 0;
    if (len)
        memcpy(plain + 1, data, len);
    memcpy(out, "\7MESSAGE", 8);
    return 16 + s_short_box(self, "CurveZMQMESSAGEC", out + 8, out + 16, plain, len + 1);
}
