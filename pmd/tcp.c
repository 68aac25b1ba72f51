/* tcp — socket helpers for the drivers' migration channel (tcp.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pmd/tcp.h"

int xgc_tcp_parse(const char *addr, struct sockaddr_in *sa)
{
    char host[64];
    int port;
    if (!addr || sscanf(addr, "tcp://%63[^:]:%d", host, &port) != 2 || port < 0 || port > 65535)
        return -1;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (strcmp(host, "*") == 0 || strcmp(host, "0.0.0.0") == 0)
        sa->sin_addr.s_addr = htonl(INADDR_ANY);
    else if (strcmp(host, "localhost") == 0)
        sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return -1;
    return 0;
}

int xgc_tcp_listen(const char *addr, int nonblock, char *advert, size_t advlen,
                   char *err, size_t errlen)
{
    struct sockaddr_in sa;
    if (xgc_tcp_parse(addr, &sa) < 0) {
        snprintf(err, errlen, "listen address '%s' is not tcp://IPv4:port", addr);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 16) < 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    socklen_t len = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &len);
    if (!advert[0]) {
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
        snprintf(advert, advlen, "tcp://%s:%d",
                 sa.sin_addr.s_addr == htonl(INADDR_ANY) ? "127.0.0.1" : ip, ntohs(sa.sin_port));
    }
    return fd;
}

int xgc_tcp_connect(const char *addr, int nonblock, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    if (xgc_tcp_parse(addr, &sa) < 0) {
        snprintf(err, errlen, "bad migration address '%s'", addr);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0 || (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 &&
                   !(nonblock && errno == EINPROGRESS))) {
        snprintf(err, errlen, "cannot connect to %s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}
