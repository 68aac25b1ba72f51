#!/bin/sh
# The short soak with CURVE on (≈ 1.5 minutes): as soak_short.sh, but the
# deployment has `security: {mode: curve}` with certificates made by
# `xgc keygen`, every component uses its own role's, and security probes run
# among the faults: a client with an unknown key, and a pmd's key writing
# another PM's key, a plan and one of the soak's keys. Passes when the
# invariants hold, the faults converge, and every probe was refused (none
# accepted); see docs/soak.md.
. "$(dirname "$0")/soak_lib.sh" curve

# seed 11, --gap 4: both probes, the junk flood and a broker kill come early
soak_run --security curve --duration 90s --pmds 5 --seed 11 --gap 4
soak_checks
soak_kinds unknown-key role-probe junk-frames broker-kill scheduler-kill
n=$(jq 'r["faults_injected"]')
[ "${n:-0}" -ge 6 ] && ok "faults injected ($n)" || ko "faults injected (got $n, want >= 6)"
[ "$(jq 'r["security"]["mode"]')" = curve ] && ok "security mode curve in the report" || ko "security mode curve"
probes=$(jq 'r["security"]["probes"]')
[ "${probes:-0}" -ge 3 ] && ok "security probes ($probes)" || ko "security probes (got $probes, want >= 3)"
[ "$(jq 'r["security"]["accepted"]')" = 0 ] && ok "no probe accepted" || ko "no probe accepted ($(jq 'r["security"]'))"
[ "$(jq 'r["security"]["refused"]')" = "$probes" ] && ok "every probe refused ($(jq 'r["security"]'))" \
    || ko "every probe refused ($(jq 'r["security"]'))"
[ "$(jq 'r["messages"]["junk_unauthenticated"]')" -gt 0 ] 2>/dev/null \
    && ok "unauthenticated junk sent ($(jq 'r["messages"]["junk_unauthenticated"]') frames)" \
    || ko "unauthenticated junk sent"
soak_end
