/* soak_probe — the security probes of `xgc soak --security curve`: clients
 * that the broker must refuse, run as faults on the soak's schedule while
 * the cluster works under load and other faults.
 *
 *   unknown-key  a client whose key is not in the broker's clients/ (a
 *                fresh key pair whose metadata even claims role operator)
 *                connects to the state port and sends a well-formed SET of
 *                soak/soakprobe/intruder-N. Refused: its handshake fails
 *                with "the broker refused our key", no reply comes back,
 *                and the key never appears.
 *   role-probe   a client holding pmd <host>'s certificate writes another
 *                PM's key (pm/<other>/soakprobe-N), a plan entry
 *                (plan/<host>/soakprobe-N) and deletes one of the soak's
 *                ledger keys. Each must be refused by the broker's role
 *                policy ("permission denied") and change nothing: the new
 *                keys stay absent, the ledger key stays.
 *
 * Each attempt ends refused, accepted (a violation of the soak) or
 * inconclusive (no answer within the probe's time, or refused for another
 * reason than the policy). The soak's own replica (which watches every key)
 * judges "nothing changed". */
#ifndef XGC_SOAK_PROBE_H
#define XGC_SOAK_PROBE_H

#include <stddef.h>

#include "xgc_bus.h"
#include "xgc_config.h"
#include "xgc_security.h"

typedef struct {
    long probes, refused, accepted, inconclusive;
} xgc_soak_probe_counts_t;

typedef struct _xgc_soak_probe_t xgc_soak_probe_t;

/* Marker in every key a probe writes: no legitimate writer uses it. */
#define XGC_SOAK_PROBE_MARK "soakprobe"

/* A client's keys from certificate cert (what XGC_CERT takes: a name in
 * <certs>/secret/ or a path), whatever the environment says. */
xgc_security_client_t *xgc_soak_client_as(const xgc_config_t *cfg, const char *cert,
                                          char *err, size_t errlen);

/* The keys of a client the broker does not know: a fresh key pair saved
 * as dir/intruder.cert{,_secret} (metadata role operator, which must not
 * help). NULL with a reason in err. */
xgc_security_client_t *xgc_soak_intruder(const xgc_config_t *cfg, const char *dir,
                                         char *err, size_t errlen);

/* Send a well-formed SET of key (a plan entry, client id cid) on a bare
 * DEALER connected to the broker's state port, without waiting. */
void xgc_soak_probe_send_set(zsock_t *dealer, const char *cid, const char *key, long n);

/* Start the unknown-key probe number n (files under dir). */
xgc_soak_probe_t *xgc_soak_probe_unknown(const xgc_config_t *cfg, const char *dir, long n);
/* Start the role probe number n with pmd host's certificate; other is
 * another PM (NULL: none), ledger_key an existing key of the soak's. */
xgc_soak_probe_t *xgc_soak_probe_role(const xgc_config_t *cfg, const char *host,
                                      const char *other, const char *ledger_key, long n);
/* Serve its sockets (every tick while it runs). */
void xgc_soak_probe_poll(xgc_soak_probe_t *self);
/* Has the broker answered every attempt (a handshake result or a reply;
 * every write refused or acknowledged)? On a loaded machine this can take
 * longer than the probe's 3 s. A NULL probe (it could not start) is. */
bool xgc_soak_probe_settled(const xgc_soak_probe_t *self);
/* Judge every attempt against observer's replica, add them to counts and
 * destroy the probe. Returns how many were accepted; what gets one line
 * per attempt ("pmd-pm2 set plan/pm2/soakprobe-3: refused (permission
 * denied: ...)"). */
int xgc_soak_probe_end(xgc_soak_probe_t **self_p, xgc_bus_t *observer,
                       xgc_soak_probe_counts_t *counts, char *what, size_t whatlen);

#endif
