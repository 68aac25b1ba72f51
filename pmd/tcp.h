/* tcp — the few socket helpers both migration-capable drivers need
 * (sim and xl): "tcp://A.B.C.D:PORT" addresses, a listener that reports
 * the address it got, and a connect. IPv4 only: the pmds' migration
 * network is a LAN (or loopback in tests). */
#ifndef XGC_PMD_TCP_H
#define XGC_PMD_TCP_H

#include <netinet/in.h>
#include <stddef.h>

/* Parse "tcp://A.B.C.D:PORT" ("*", "0.0.0.0", "localhost" allowed). 0/-1. */
int xgc_tcp_parse(const char *addr, struct sockaddr_in *sa);
/* Listen on addr (port 0: any). Returns the fd (non-blocking if asked) and
 * the address to publish in `advert` (a wildcard becomes 127.0.0.1 unless
 * advert is already set); -1 with err. */
int xgc_tcp_listen(const char *addr, int nonblock, char *advert, size_t advlen,
                   char *err, size_t errlen);
/* Connect to addr; non-blocking connects return at once (EINPROGRESS).
 * Returns the fd or -1 with err. */
int xgc_tcp_connect(const char *addr, int nonblock, char *err, size_t errlen);

#endif
