/* identity — who a VM is, from inside it, as the seed derived it.
 *
 * The seed gave VM number N the IP 192.168.2.(100+N) and the MAC
 * 00:1B:C0:A8:02:(64+N in hex): the MAC is the prefix 00:1B followed by the
 * four bytes of the IP, and the guest computes its IP back from its MAC at
 * boot, then its name arch_N from its IP (lookup_vmname.py). xgc keeps the
 * mapping, with the prefix and the base configurable:
 *
 *   MAC 00:1b:a:b:c:d  <->  IP a.b.c.d  ->  name <prefix><d - base>
 *
 * e.g. 00:1b:c0:a8:02:65 -> 192.168.2.101 -> arch_1 (prefix "arch_",
 * base 100). All functions are pure.
 */
#ifndef XGC_VMD_IDENTITY_H
#define XGC_VMD_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

/* "00:1b:c0:a8:02:65" -> 192.168.2.101 (out[4]); -1 if not a seed MAC. */
int xgc_vmd_mac_to_ip(const char *mac, uint8_t ip[4]);
/* 192.168.2.101 -> "00:1b:c0:a8:02:65". */
void xgc_vmd_ip_to_mac(const uint8_t ip[4], char *out, size_t outlen);
/* 192.168.2.101, "arch_", 100 -> "arch_1"; -1 if the last byte < base. */
int xgc_vmd_name_from_ip(const uint8_t ip[4], const char *prefix, int base,
                         char *out, size_t outlen);
/* Value of `key=` in a kernel command line ("... xgc.name=vm3 ..."), copied
 * into out; 0 or -1 if absent. */
int xgc_vmd_cmdline_get(const char *cmdline, const char *key, char *out, size_t outlen);

#endif
