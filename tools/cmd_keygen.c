/* xgc keygen — make the CURVE certificates of a deployment: one per role
 * (broker, scheduler, operator, vmd) and one per PM of `pms:` (pmd-<host>),
 * laid out as common/xgc_security.h describes: public certificates the
 * broker admits under clients/, the broker's own public one at the top, and
 * every key pair under secret/ with mode 0600 (written under umask 077, so
 * a secret is never readable by others, not even for a moment). Each
 * certificate records its role (and host, for a pmd) in its metadata: that
 * is what the broker's authorisation reads.
 *
 * `--vm NAME` (repeatable) also makes per-VM vmd certificates, vmd-<name>
 * with `vm = <name>`, which the broker lets publish metric.vm.<name> only
 * (the shared vmd certificate may publish any VM's metrics). Into a
 * directory that already holds certificates it adds just those, so that
 * VMs can be given keys one by one without replacing the others'. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/xgc_cmd.h"
#include "xgc_config.h"
#include "xgc_model.h"
#include "xgc_security.h"

static const char s_usage[] =
    "usage: xgc keygen [-c FILE.yaml] [--out DIR] [--force] [--vm NAME]...\n"
    "Make CURVE certificates for the broker, the scheduler, the operator, the\n"
    "vmds and one pmd per PM of `pms:`, in DIR (default: security.certs).\n"
    "--vm NAME  also a vmd certificate bound to VM NAME (vmd-NAME: it may publish\n"
    "           metric.vm.NAME only); into a DIR that holds certificates already,\n"
    "           only these are added\n"
    "--force replaces existing certificates (with --vm into an existing DIR: only\n"
    "those VMs'; otherwise all, and every component then needs the new ones).\n";

/* Save one certificate: public part to clients/ (the broker's to DIR),
 * key pair to secret/. bound: the host of a pmd, the VM of a vmd, or NULL. */
static int s_make(const char *dir, const char *name, const char *role, const char *bound,
                  bool is_broker)
{
    zcert_t *cert = zcert_new();
    zcert_set_meta(cert, "name", "%s", name);
    zcert_set_meta(cert, "role", "%s", role);
    const char *bound_key = xgc_role_bound_key(xgc_role_parse(role));
    if (bound && bound_key)
        zcert_set_meta(cert, bound_key, "%s", bound);
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
        printf("%-24s role %-9s %s\n", name, role, bound ? bound : "");
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

/* The per-VM vmd certificates of vms (n of them); existing ones are kept
 * unless force. */
static int s_make_vms(const char *dir, char **vms, size_t n, bool force)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char name[XGC_NAME_MAX + 8], probe[XGC_PATH_MAX * 2];
        snprintf(name, sizeof name, "vmd-%s", vms[i]);
        snprintf(probe, sizeof probe, "%s/secret/%s.cert_secret", dir, name);
        if (!force && zsys_file_exists(probe)) {
            fprintf(stderr, "xgc keygen: %s exists (--force replaces it)\n", probe);
            rc = -1;
        }
        else
            rc = s_make(dir, name, "vmd", vms[i], false);
    }
    return rc;
}

static int s_generate(const xgc_config_t *cfg, const char *dir, char **vms, size_t nvms)
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
    if (rc == 0)
        rc = s_make_vms(dir, vms, nvms, true);
    free(pms);
    if (rc == 0)
        printf("certificates in %s (secret/ is private: copy each component's own key "
               "pair only)\n", dir);
    return rc == 0 ? 0 : 1;
}

/* Every --vm name valid? Else say which, before anything is written. */
static bool s_vms_valid(char **vms, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!xgc_security_vm_name_valid(vms[i])) {
            fprintf(stderr, "xgc keygen: invalid VM name '%s' (printable ASCII without "
                    "spaces or '/', under %d characters; nothing written)\n", vms[i],
                    XGC_NAME_MAX);
            return false;
        }
    return true;
}

/* Make the certificates in dir: all of them, or with --vm into a directory
 * that already holds some, only the VMs'. */
static int s_keygen(const xgc_config_t *cfg, const char *dir, bool force, char **vms,
                    size_t nvms)
{
    char probe[XGC_PATH_MAX * 2];
    snprintf(probe, sizeof probe, "%s/broker.cert", dir);
    if (!zsys_file_exists(probe) || (force && !nvms))
        return s_generate(cfg, dir, vms, nvms);
    if (!nvms) {
        fprintf(stderr, "xgc keygen: %s already holds certificates (--force replaces "
                "them)\n", dir);
        return 2;
    }
    if (s_make_vms(dir, vms, nvms, force) < 0)
        return 1;
    printf("vmd certificates added to %s (give each VM its own secret/vmd-<name>.cert_secret)\n",
           dir);
    return 0;
}

XGC_COMMAND(keygen, "make CURVE certificates per role (keygen [--out DIR] [--force] [--vm NAME])")
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    const char *out = NULL;
    bool force = false;
    int rc = 2;
    char **vms = calloc((size_t)argc, sizeof *vms);
    size_t nvms = 0;
    for (int i = 1; vms && i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else
        if (!strcmp(argv[i], "--vm") && i + 1 < argc)
            vms[nvms++] = argv[++i];
        else
        if (!strcmp(argv[i], "--force"))
            force = true;
        else {
            fprintf(stderr, "xgc keygen: unexpected argument '%s'\n%s", argv[i], s_usage);
            free(vms);
            xgc_config_destroy(&cfg);
            return 2;
        }
    }
    xgc_security_t sec;
    char err[XGC_ERR_MAX];
    if (!vms || !s_vms_valid(vms, nvms))
        ;
    else
    if (xgc_security_parse(cfg, &sec, err, sizeof err) < 0)
        fprintf(stderr, "xgc keygen: %s\n", err);
    else
    if (!out && !sec.certs[0])
        fprintf(stderr, "xgc keygen: no --out DIR and no security.certs in %s\n", cfg->path);
    else
        rc = s_keygen(cfg, out ? out : sec.certs, force, vms, nvms);
    free(vms);
    xgc_config_destroy(&cfg);
    return rc;
}
