/* zmtp — a minimal ZeroMQ publisher (ZMTP 3.0, NULL or CURVE security) for
 * the vmd.
 *
 * The vmd only ever publishes events into the broker's XSUB socket. Doing
 * that with a few hundred lines of plain sockets instead of libzmq lets it
 * build as a small static binary for a minimal guest: libzmq.a on Debian
 * needs GSSAPI (krb5), which has no static library (docs/vmd.md). The peer
 * is a real libzmq XSUB; we present ourselves as a PUB socket, send the
 * greeting and the READY command, then multipart messages [topic][payload],
 * and read and discard whatever the XSUB sends (its subscriptions).
 *
 * Frame encoders are pure and unit-tested against the ZMTP 3.0 spec
 * (rfc.zeromq.org/spec/23); the socket part reconnects by itself. With
 * CURVE keys it runs the CURVE handshake (vmd/curve.h) and sends every
 * frame as an encrypted MESSAGE, so it can join a `security: curve` broker.
 */
#ifndef XGC_VMD_ZMTP_H
#define XGC_VMD_ZMTP_H

#include <stddef.h>
#include <stdint.h>

#include "vmd/curve.h"

#define XGC_ZMTP_GREETING_LEN 64
#define XGC_ZMTP_MORE 0x01       /* frame flags */
#define XGC_ZMTP_COMMAND 0x04

typedef struct xgc_zmtp_t xgc_zmtp_t;

/* Pure: the 64-byte greeting (version 3.0, as client) offering mechanism
 * "NULL" or "CURVE". */
void xgc_zmtp_greeting(uint8_t out[XGC_ZMTP_GREETING_LEN], const char *mechanism);
/* Pure: NULL if buf[0..64) is a ZMTP 3.x greeting offering mechanism, else
 * why not (a security mismatch is said as such). */
const char *xgc_zmtp_greeting_check(const uint8_t *buf, const char *mechanism);
/* Pure: one metadata property (name, 4-byte length, value); its length, 0
 * if it does not fit in cap. */
size_t xgc_zmtp_property(const char *name, const char *value, uint8_t *out, size_t cap);
/* Pure: the READY command (NULL mechanism) with Socket-Type `type`; returns
 * its length (0 if it does not fit in cap). */
size_t xgc_zmtp_ready(const char *type, uint8_t *out, size_t cap);
/* Pure: one frame header for a body of len bytes, flags XGC_ZMTP_MORE
 * and/or XGC_ZMTP_COMMAND; returns the header length (2 or 9). */
size_t xgc_zmtp_frame_header(size_t len, int flags, uint8_t out[9]);

/* A publisher to endpoint "tcp://A.B.C.D:PORT" (connects lazily), with the
 * NULL mechanism until xgc_zmtp_set_curve(). */
xgc_zmtp_t *xgc_zmtp_new(const char *endpoint);
void xgc_zmtp_destroy(xgc_zmtp_t **self_p);
/* Use CURVE with these keys from the next connection on. */
void xgc_zmtp_set_curve(xgc_zmtp_t *self, const xgc_curve_keys_t *keys);
/* "NULL" or "CURVE". */
const char *xgc_zmtp_mechanism(const xgc_zmtp_t *self);
/* Send [topic][payload]; connects (or reconnects) first if needed, waiting
 * at most timeout_ms. 0, or -1 (dropped: events are lossy). After a failed
 * connection or handshake it waits before trying again (0.5 s, doubling up
 * to 30 s; xgc_zmtp_error() keeps the reason meanwhile). */
int xgc_zmtp_publish(xgc_zmtp_t *self, const char *topic, const void *data,
                     size_t len, int timeout_ms);
/* Last error, for logs. */
const char *xgc_zmtp_error(const xgc_zmtp_t *self);

#endif
