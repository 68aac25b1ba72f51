/* xgc_security — CURVE encryption, authentication and per-role write
 * authorisation for the bus.
 *
 * The deployment file says how the bus is protected:
 *
 *   security:
 *     mode: curve            # or none (the default: plaintext, no checks)
 *     certs: certs           # directory made by `xgc keygen` (relative to
 *                            # the deployment file's directory)
 *     domain: xgc            # optional ZAP domain (default "xgc")
 *
 * Certificate directory (docs/security.md):
 *   <certs>/broker.cert                the broker's public certificate
 *   <certs>/clients/<name>.cert        public certificates the broker admits
 *   <certs>/secret/<name>.cert_secret  each component's key pair (mode 0600)
 * Each certificate's metadata holds its `role` (broker, scheduler, pmd,
 * operator, vmd), for a pmd its `host`, and for a per-VM vmd certificate
 * (`xgc keygen --vm NAME`: vmd-<name>) its `vm`: the name the role is bound
 * to.
 *
 * With mode curve the broker runs czmq's zauth with `CURVE <certs>/clients`
 * and a ZAP domain on every socket, so a key not in that directory cannot
 * connect; ZeroMQ then stamps every message with the sender's public key
 * ("User-Id"), which the broker maps back to a role through the same
 * directory and checks against xgc_authz_allows() before any state write
 * and xgc_authz_event_allows() before forwarding an event.
 *
 * Three parts: the pure policy (roles, xgc_authz_allows), the client side
 * (load a certificate, apply it to a socket, watch the handshake) and the
 * server side (zauth, server sockets, principal of a message).
 */
#ifndef XGC_SECURITY_H
#define XGC_SECURITY_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>

#include "xgc_config.h"

/* ---- configuration --------------------------------------------------- */

typedef enum { XGC_SECURITY_NONE = 0, XGC_SECURITY_CURVE } xgc_security_mode_t;

typedef struct {
    xgc_security_mode_t mode;
    char certs[XGC_PATH_MAX];   /* certificate directory, resolved */
    char domain[64];            /* ZAP domain */
} xgc_security_t;

/* Read cfg's `security:` section (absent = mode none). 0, or -1 with
 * "file:line:col: field 'x': reason" in err. */
int xgc_security_parse(const xgc_config_t *cfg, xgc_security_t *out, char *err,
                       size_t errlen);

/* ---- roles and the write policy (pure) ------------------------------- */

typedef enum {
    XGC_ROLE_NONE = 0,          /* unknown key / no certificate */
    XGC_ROLE_BROKER,
    XGC_ROLE_SCHEDULER,
    XGC_ROLE_PMD,
    XGC_ROLE_OPERATOR,
    XGC_ROLE_VMD,
} xgc_role_t;

const char *xgc_role_name(xgc_role_t role);
/* "scheduler" -> XGC_ROLE_SCHEDULER; XGC_ROLE_NONE if unknown. */
xgc_role_t xgc_role_parse(const char *name);

/* May a writer of this role (and, for a pmd, this host) set or delete key?
 *   operator:  anything (the admin role);
 *   scheduler: plan/..., sched/..., pm/<any>/power;
 *   pmd <h>:   pm/<h>/... except pm/<h>/power and pm/<h>/admin;
 *   vmd, broker, none: no state writes (a vmd only publishes metrics). */
bool xgc_authz_allows(xgc_role_t role, const char *principal_host, const char *key);

/* The same, with a one-line reason for a refusal in why. */
bool xgc_authz_check(xgc_role_t role, const char *principal_host, const char *key,
                     char *why, size_t whylen);

/* May a publisher of this role publish an event under topic? bound is the
 * name its certificate binds it to: a pmd's `host`, a vmd's `vm` (NULL or
 * "" if the certificate names none).
 *   operator:  anything;
 *   scheduler: plan.*, cmd.*, sched.*, log.*;
 *   pmd <h>:   metric.vm.*, metric.pm.<h>, op.<h>.*, log.*;
 *   vmd <v>:   metric.vm.<v> only (a per-VM certificate);
 *   vmd:       metric.vm.* (the shared vmd certificate: legacy, weaker);
 *   broker, none: nothing. */
bool xgc_authz_event_allows(xgc_role_t role, const char *bound, const char *topic);

/* The metadata key that binds a certificate of this role to a name: "host"
 * for a pmd, "vm" for a vmd, NULL for the other roles. */
const char *xgc_role_bound_key(xgc_role_t role);

/* Is name usable as a VM's name in a certificate (vmd-<name>)? The rule of
 * `xgc set`/`xgc add` for VM names: it makes a valid bus key vm/<name>/spec
 * (printable ASCII, no space), holds no '/' and fits XGC_NAME_MAX. */
bool xgc_security_vm_name_valid(const char *name);

/* ---- names of certificates ------------------------------------------- */

/* The certificate a bus client with this identity uses: $XGC_CERT if set,
 * else "pmd-<host>" for "pmd-<host>", "scheduler" for "scheduler...",
 * "vmd" for "vmd...", "operator" for anything else (the tools). */
void xgc_security_cert_name(const char *identity, char *out, size_t outlen);

/* ---- client side ------------------------------------------------------ */

typedef struct _xgc_security_client_t xgc_security_client_t;

/* The keys a client needs: its own key pair and the broker's public key
 * (mode curve), or nothing (mode none). NULL with a reason in err if the
 * section is invalid or a certificate cannot be read. */
xgc_security_client_t *xgc_security_client_new(const xgc_config_t *cfg,
                                               const char *identity,
                                               char *err, size_t errlen);
void xgc_security_client_destroy(xgc_security_client_t **self_p);
/* Make sock a CURVE client of the broker (no-op in mode none). Before
 * connecting. */
void xgc_security_client_apply(xgc_security_client_t *self, zsock_t *sock);

/* Watches a connecting socket's handshakes (a ZeroMQ socket monitor), so
 * that a client can say why it never hears from the broker. */
typedef struct _xgc_security_watch_t xgc_security_watch_t;
xgc_security_watch_t *xgc_security_watch_new(zsock_t *sock);
void xgc_security_watch_destroy(xgc_security_watch_t **self_p);
/* Read pending monitor events without waiting; returns the explanation of
 * the last handshake failure (NULL if none, or after a success). The text
 * is also kept process-wide for xgc_security_last_failure(). */
const char *xgc_security_watch_check(xgc_security_watch_t *self);
/* The last handshake failure any watch of this process saw, or NULL. */
const char *xgc_security_last_failure(void);
/* Pure: explain a monitor event (ZMQ_EVENT_*, value); NULL if it is not a
 * handshake failure. */
const char *xgc_security_explain_event(int event, uint32_t value);

/* ---- server side (the broker) ---------------------------------------- */

typedef struct _xgc_security_server_t xgc_security_server_t;

/* Mode curve: start zauth on <certs>/clients, load the broker's key pair.
 * Mode none: an object that does nothing. One per process (the ZAP handler
 * is process-wide); it becomes the one xgc_security_server_apply() and
 * xgc_security_guard_new() use. NULL with a reason in err. */
xgc_security_server_t *xgc_security_server_new(const xgc_config_t *cfg, char *err,
                                               size_t errlen);
void xgc_security_server_destroy(xgc_security_server_t **self_p);

/* Make a broker socket a CURVE server in the ZAP domain (before bind);
 * no-op without a server or in mode none. */
void xgc_security_server_apply(zsock_t *sock);

/* A guard checks what the senders of messages may do. One per thread that
 * reads client messages (it caches key -> role); NULL when the process's
 * server is not in mode curve, and a NULL guard allows everything. */
typedef struct _xgc_security_guard_t xgc_security_guard_t;
xgc_security_guard_t *xgc_security_guard_new(void);
void xgc_security_guard_destroy(xgc_security_guard_t **self_p);

/* May the sender of msg (a frame received on a server socket) write key?
 * If not, why holds the reason for the client, and the refusal is logged
 * (rate-limited) with key, role, host and the client's key. */
bool xgc_security_guard_write(xgc_security_guard_t *self, zmq_msg_t *msg, const char *key,
                              char *why, size_t whylen);
/* May the sender of an event publish it? topic is the event's first frame
 * as received. A refusal is logged the same way; the caller drops it. */
bool xgc_security_guard_event(xgc_security_guard_t *self, zmq_msg_t *topic);

#endif
