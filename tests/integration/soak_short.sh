#!/bin/sh
# The short soak (≈ 2.5 minutes): 5 pmds in their own network namespaces,
# the broker and two schedulers in another, load from xgc inject, every kind
# of fault on the seeded schedule, the invariants checked continuously.
# Passes when the report shows 0 violations, every fault kind injected and
# every fault followed by convergence; see docs/soak.md. The same with
# CURVE on: soak_curve.sh.
. "$(dirname "$0")/soak_lib.sh" short

# --gap 6: faults close together so that a short run sees every kind.
soak_run --duration 150s --pmds 5 --seed 3 --gap 6
soak_checks
kinds=$(jq 'len(r["faults_by_kind"])')
[ "$kinds" = 8 ] && ok "all 8 fault kinds injected" || ko "all 8 fault kinds injected (got $kinds: $(jq 'sorted(r["faults_by_kind"])'))"
[ "$(jq 'r["security"]["mode"]')" = none ] && ok "security mode none (plaintext)" || ko "security mode none"
soak_end
