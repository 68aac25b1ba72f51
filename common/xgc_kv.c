/* xgc_kv — see xgc_kv.h. */
#include <string.h>

#include "xgc_kv.h"

int xgc_kv_get(const char *text, const char *seps, const char *key, char *out, size_t outlen)
{
    size_t klen = strlen(key);
    for (const char *p = text; p && *p; ) {
        p += strspn(p, seps);
        size_t n = strcspn(p, seps);
        if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            size_t vlen = n - klen - 1;
            if (vlen >= outlen)
                vlen = outlen - 1;
            memcpy(out, p + klen + 1, vlen);
            out[vlen] = '\0';
            return 0;
        }
        p += n;
    }
    return -1;
}
