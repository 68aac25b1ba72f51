/* zmtp — a minimal ZeroMQ publisher (ZMTP 3.0, NULL security) for the vmd.
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
 * (rfc.zeromq.org/spec/23); the socket part reconnects by itself.
 */
#ifndef XGC_VMD_ZMTP_H
#define XGC_VMD_ZMTP_H

#include <stddef.h>
#include <stdint.h>

#define XGC_ZMTP_GREETING_LEN 64

typedef struct xgc_zmtp_t xgc_zmtp_t;

/* Pure: the 64-byte greeting (version 3.0, mechanism NULL, as client). */
void xgc_zmtp_greeting(uint8_t out[XGC_ZMTP_GREETING_LEN]);
/* Pure: the READY command with Socket-Type `type`; returns its length
 * (0 if it does not fit in cap). */
size_t xgc_zmtp_ready(const char *type, uint8_t *out, size_t cap);
/* Pure: one frame header for a body of len bytes (more: another frame
 * follows); returns the header length (2 or 9). */
size_t xgc_zmtp_frame_header(size_t len, int more, uint8_t out[9]);
/* Pure: 1 if buf[0..64) is a ZMTP 3.x greeting offering NULL. */
int xgc_zmtp_greeting_ok(const uint8_t *buf);

/* A publisher to endpoint "tcp://A.B.C.D:PORT" (connects lazily). */
xgc_zmtp_t *xgc_zmtp_new(const char *endpoint);
void xgc_zmtp_destroy(xgc_zmtp_t **self_p);
/* Send [topic][payload]; connects (or reconnects) first if needed, waiting
 * at most timeout_ms. 0, or -1 (dropped: events are lossy). */
int xgc_zmtp_publish(xgc_zmtp_t *self, const char *topic, const void *data,
                     size_t len, int timeout_ms);
/* Last error, for logs. */
const char *xgc_zmtp_error(const xgc_zmtp_t *self);

#endif
