/* xgc keygen — make the CURVE certificates of a deployment: one per role
 * (broker, scheduler, operator, vmd) and one per PM of `pms:` (pmd-<host>),
 * laid out as common/xgc_security.h describes: public certificates the
 * broker admits under clients/, the broker's own public one at the top, and
 * every key pair under secret/ with mode 0600 (written under umask 077, so
 * a secret is never readable by others, not even for a moment). Each
 * certificate records its role (and host, for a pmd) in its metadata: that
 * is what the broker's authorisation reads. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/xgc_cmd.h"
#include "xgc_config.h"
#include "xgc_model.h"
#include "xgc_security.h"

static const char s_usage[] =
    "usage: xgc keygen [-c FILE.yaml] [--out DIR] [--force]\n"
    "Make CURVE certificates for the broker, the scheduler, the operator, the\n"
    "vmds and one pmd per PM of `pms:`, in DIR (default: security.certs).\n"
    "--force replaces existing certificates (every component then needs the new ones).\n";

/* Save one certificate: public part to pub_path, key pair to secret/. */
static int s_make(const char *dir, const char *name, const char *role, const char *host,
                  bool is_broker)
{
    zcert_t *cert = zcert_new();
    zcert_set_meta(cert, "name", "%s", name);
    zcert_set_meta(cert, "role", "%s", role);
    if (host)
        zcert_set_meta(cert, "host", "%s", host);
    char pub[XGC_PATH_MAX * 2], secret[XGC_PATH_MAX * 2];
    if (is_broker)
        snprintf(pub, sizeof pub, "%s/broker.cert", dir);
    else
        snprintf(pub, sizeof pub, "%s/clients/%s.cert", dir, name);
    snprintf(secret, sizeof secret, "%s/secret/%s.cert_secret", dir, name);
    mode_t old = umask(077);
    int rc = zcert_save_secret(cert, secret);
    umask(old);
    if (rc == 0)
        rc = chmod(secret, 0600);
    if (rc == 0)
        rc = zcert_save_public(cert, pub);
    if (rc == 0)
        chmod(pub, 0644);
    else
        fprintf(stderr, "xgc keygen: cannot write %s: %s\n", rc ? secret : pub,
                strerror(errno));
    zcert_destroy(&cert);
    if (rc == 0)
        printf("%-24s role %-9s %s\n", name, role, host ? host : "");
    return rc;
}

static int s_dirs(const char *dir)
{
    char path[XGC_PATH_MAX * 2];
    if (zsys_dir_create("%s/clients", dir) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/secret", dir);
    mode_t old = umask(077);
    int rc = zsys_dir_create("%s", path);
    umask(old);
    return rc < 0 ? -1 : chmod(path, 0700);
}

static int s_generate(const xgc_config_t *cfg, const char *dir)
{
    xgc_pm_spec_t *pms = NULL;
    size_t n = 0;
    char err[XGC_ERR_MAX];
    if (cfg->pms && xgc_model_load_pms(cfg->pms, &pms, &n, err, sizeof err) < 0) {
        fprintf(stderr, "xgc keygen: %s\n", err);
        return 2;
    }
    int rc = s_dirs(dir);
    if (rc < 0)
        fprintf(stderr, "xgc keygen: cannot create %s/{clients,secret}: %s\n", dir,
                strerror(errno));
    const char *roles[] = {"broker", "scheduler", "operator", "vmd"};
    for (size_t i = 0; rc == 0 && i < 4; i++)
        rc = s_make(dir, roles[i], roles[i], NULL, i == 0);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char name[XGC_NAME_MAX + 8];
        snprintf(name, sizeof name, "pmd-%s", pms[i].name);
        rc = s_make(dir, name, "pmd", pms[i].name, false);
    }
    free(pms);
    if (rc == 0)
        printf("certificates in %s (secret/ is private: copy each component's own key "
               "pair only)\n", dir);
    return rc == 0 ? 0 : 1;
}

XGC_COMMAND(keygen, "make CURVE certificates per role (keygen [--out DIR] [--force])")
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    const char *out = NULL;
    bool force = false;
    int rc = 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else
        if (!strcmp(argv[i], "--force"))
            force = true;
        else {
            fprintf(stderr, "xgc keygen: unexpected argument '%s'\n%s", argv[i], s_usage);
            xgc_config_destroy(&cfg);
            return 2;
        }
    }
    xgc_security_t sec;
    char err[XGC_ERR_MAX];
    if (xgc_security_parse(cfg, &sec, err, sizeof err) < 0)
        fprintf(stderr, "xgc keygen: %s\n", err);
    else
    if (!out && !sec.certs[0])
        fprintf(stderr, "xgc keygen: no --out DIR and no security.certs in %s\n", cfg->path);
    else {
        char dir[XGC_PATH_MAX];
        snprintf(dir, sizeof dir, "%s", out ? out : sec.certs);
        char probe[XGC_PATH_MAX * 2];
        snprintf(probe, sizeof probe, "%s/broker.cert", dir);
        if (!force && zsys_file_exists(probe))
            fprintf(stderr, "xgc keygen: %s already holds certificates (--force replaces "
                    "them)\n", dir);
        else
            rc = s_generate(cfg, dir);
    }
    xgc_config_destroy(&cfg);
    return rc;
}
