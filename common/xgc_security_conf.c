/* xgc_security_conf — the parts of xgc_security.h that need no czmq: the
 * `security:` section of the deployment file and the certificate name of an
 * identity. Kept apart so that programs linked without libzmq (the static
 * vmd, vmd/zmtp.c) can read the same section the same way.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xgc_security.h"

#define S_DOMAIN_DEFAULT "xgc"

/* ---- configuration ------------------------------------------------------ */

/* dir relative to the deployment file's directory (if it has one). */
static void s_resolve(const xgc_config_t *cfg, const char *dir, char *out, size_t outlen)
{
    if (dir[0] == '/' || cfg->path[0] == '<' || !strchr(cfg->path, '/')) {
        snprintf(out, outlen, "%s", dir);
        return;
    }
    char copy[XGC_PATH_MAX];
    snprintf(copy, sizeof copy, "%s", cfg->path);
    snprintf(out, outlen, "%s/%s", dirname(copy), dir);
}

int xgc_security_parse(const xgc_config_t *cfg, xgc_security_t *out, char *err,
                       size_t errlen)
{
    static const char *const keys[] = {"mode", "certs", "domain", NULL};
    memset(out, 0, sizeof *out);
    snprintf(out->domain, sizeof out->domain, "%s", S_DOMAIN_DEFAULT);
    const xgc_yaml_node_t *sec = cfg->security, *node;
    if (!sec)
        return 0;
    if (sec->kind != XGC_YAML_MAP)
        return xgc_yaml_error(err, errlen, sec, "security", "must be a map {mode, certs}");
    if (xgc_yaml_check_keys(sec, keys, "security", err, errlen) < 0)
        return -1;
    const char *text;
    if ((node = xgc_yaml_get(sec, "mode"))) {
        if (xgc_yaml_string(node, "mode", &text, err, errlen) < 0)
            return -1;
        if (strcmp(text, "curve") == 0)
            out->mode = XGC_SECURITY_CURVE;
        else
        if (strcmp(text, "none") != 0)
            return xgc_yaml_error(err, errlen, node, "mode", "'%s' is not curve or none", text);
    }
    if ((node = xgc_yaml_get(sec, "domain"))) {
        if (xgc_yaml_string(node, "domain", &text, err, errlen) < 0)
            return -1;
        if (!*text || strlen(text) >= sizeof out->domain)
            return xgc_yaml_error(err, errlen, node, "domain", "must be 1..%zu characters",
                                  sizeof out->domain - 1);
        snprintf(out->domain, sizeof out->domain, "%s", text);
    }
    node = xgc_yaml_get(sec, "certs");
    if (!node) {
        if (out->mode == XGC_SECURITY_CURVE)
            return xgc_yaml_error(err, errlen, sec, "certs",
                                  "missing (the directory made by `xgc keygen`)");
        return 0;
    }
    if (xgc_yaml_string(node, "certs", &text, err, errlen) < 0)
        return -1;
    if (!*text || strlen(text) >= XGC_PATH_MAX / 2)
        return xgc_yaml_error(err, errlen, node, "certs", "must be 1..%d characters",
                              XGC_PATH_MAX / 2 - 1);
    s_resolve(cfg, text, out->certs, sizeof out->certs);
    return 0;
}

void xgc_security_cert_name(const char *identity, char *out, size_t outlen)
{
    const char *env = getenv("XGC_CERT");
    if (!identity)
        identity = "";
    if (env && *env)
        snprintf(out, outlen, "%s", env);
    else
    if (strncmp(identity, "pmd-", 4) == 0 && identity[4])
        snprintf(out, outlen, "%s", identity);
    else
    if (strncmp(identity, "scheduler", 9) == 0)
        snprintf(out, outlen, "scheduler");
    else
    if (strncmp(identity, "vmd", 3) == 0)
        snprintf(out, outlen, "vmd");
    else
        snprintf(out, outlen, "operator");
}
