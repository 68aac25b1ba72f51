#!/bin/sh
# sim-cloudsim-variants.sh — the CloudSim-2011 variants tried for the +30 %
# migrations of LR-MMT-1.2 on the full workload (docs/benchmarks/sim.md §3).
# Each variant is a temporary switch (an S3_* environment variable) in
# sim-cloudsim-variants.diff, not part of the simulator. To rerun:
#   git apply docs/benchmarks/sim-cloudsim-variants.diff && make build/bin/xgc
#   docs/benchmarks/sim-cloudsim-variants.sh S3_VA=1 S3_VE=1 ...
#   git checkout scheduler/sim && make build/bin/xgc
# Prints one row per variant (the first is unchanged code): for THR-MMT-0.8,
# LR-MMT-1.2, then both with --full-workload, "migrations / energy kWh /
# SLATAH / PDM"; then the energy of DVFS and DVFS --full-workload.
# S3_STAT=1 prints diagnostics on stderr (SLATAH by cause, PDM by cause,
# overload flags); see the diff.
X=${X:-build/bin/xgc}; D=${XGC_SIM_DAY:-/work/shared/data/planetlab-20110303}
f() { echo "$2" | sed -n "s/.*\"$1\": \([-0-9.e+]*\).*/\1/p"; }
run() { env $V $X sim --planetlab "$D" --json --cloudsim-2011 "$@" 2>/dev/null; }
cell() {
    j=$(run "$@")
    awk -v e="$(f energy_kwh "$j")" -v s="$(f slatah "$j")" -v p="$(f pdm "$j")" \
        -v m="$(f migrations "$j")" 'BEGIN { printf " %d / %.2f / %.2f %% / %.3f %% |", m, e, s * 100, p * 100 }'
}
for V in S3_NONE=1 "$@"; do
    printf "| %s |" "$V"
    cell --policy thr-mmt-0.8; cell --policy lr-mmt-1.2
    cell --policy thr-mmt-0.8 --full-workload; cell --policy lr-mmt-1.2 --full-workload
    printf " %.2f / %.2f |\n" "$(f energy_kwh "$(run --policy dvfs)")" \
        "$(f energy_kwh "$(run --policy dvfs --full-workload)")"
done
