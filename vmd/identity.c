/* identity — the seed's MAC/IP/name mapping (see identity.h). */
#include <stdio.h>
#include <string.h>

#include "vmd/identity.h"

int xgc_vmd_mac_to_ip(const char *mac, uint8_t ip[4])
{
    unsigned b[6];
    char tail;
    if (sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
               &tail) != 6 || b[0] != 0x00 || b[1] != 0x1b)
        return -1;
    for (int i = 0; i < 4; i++)
        ip[i] = (uint8_t)b[i + 2];
    return 0;
}

void xgc_vmd_ip_to_mac(const uint8_t ip[4], char *out, size_t outlen)
{
    snprintf(out, outlen, "00:1b:%02x:%02x:%02x:%02x", ip[0], ip[1], ip[2], ip[3]);
}

int xgc_vmd_name_from_ip(const uint8_t ip[4], const char *prefix, int base,
                         char *out, size_t outlen)
{
    if (ip[3] < base)
        return -1;
    snprintf(out, outlen, "%s%d", prefix, ip[3] - base);
    return 0;
}

int xgc_vmd_cmdline_get(const char *cmdline, const char *key, char *out, size_t outlen)
{
    size_t klen = strlen(key);
    for (const char *p = cmdline; p && *p; ) {
        while (*p == ' ' || *p == '\n' || *p == '\t')
            p++;
        size_t n = strcspn(p, " \n\t");
        if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            size_t v = n - klen - 1;
            if (v >= outlen)
                v = outlen - 1;
            memcpy(out, p + klen + 1, v);
            out[v] = '\0';
            return 0;
        }
        p += n;
    }
    return -1;
}
