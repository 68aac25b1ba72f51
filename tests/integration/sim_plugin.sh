#!/bin/sh
# sim_plugin.sh — xgc sim with a researcher's own policy (--policy
# plugin:PATH[:ARG], scheduler/sim/xgc_sim_plugin.h): the example plugin
# builds with the documented command and runs on a short replay of the
# PlanetLab day and on a generic CSV trace with every metric in --json, with
# --out and --cloudsim-2011; its ARG reaches it; a missing file or symbol, a
# wrong API version, a failing create and bad moves exit 2 with a message
# naming the problem. (The view's contents: tests/unit/test_sim_plugin.c.)
XGC=${XGC_BIN:-build/bin}/xgc
ROOT=${XGC_ROOT:-.}
LIB=$(dirname "$XGC")/../lib
EX=$LIB/xgc-sim-threshold-ffd.so
DAY=${XGC_SIM_DAY:-$ROOT/../../shared/data/planetlab-20110303}
[ -d "$DAY" ] || DAY=/work/shared/data/planetlab-20110303
. "$ROOT/tests/integration/check_lib.sh"
expect() { check "$1" eval "$2"; }   # expect NAME 'shell condition'
skip=0
TMP=$(mktemp -d /tmp/xgc_sim_plugin.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
field() { echo "$2" | sed -n "s/.*\"$1\": \([-0-9.e+]*\).*/\1/p"; }
has_metrics() {  # json -> every metric present
    for f in energy_kwh slatah pdm slav esv migrations slatah_mean pdm_mean sleeps; do
        echo "$1" | grep -q "\"$f\": " || return 1
    done
}

expect "the example plugin is built (make)" "[ -s '$EX' ]"
expect "--help mentions plugin:PATH" "'$XGC' sim --help | grep -q 'plugin:PATH'"
# The documented command builds it against the header alone.
cc -O2 -shared -fPIC -I"$ROOT/scheduler/sim" -o "$TMP/mine.so" \
    "$ROOT/scheduler/sim/examples/threshold_ffd.c" 2>"$TMP/cc"
expect "the example compiles with the documented command" "[ -s '$TMP/mine.so' ]"

if [ -d "$DAY" ]; then
    j=$("$XGC" sim --planetlab "$DAY" --steps 0:24 --policy "plugin:$EX" --json 2>"$TMP/err")
    expect "PlanetLab day (2 h): runs" "[ $? = 0 ]"
    expect "PlanetLab day: every metric in --json" "has_metrics '$j'"
    expect "PlanetLab day: 1052 VMs, migrations > 0" \
        "echo '$j' | grep -q '\"vms\": 1052,' && [ '$(field migrations "$j")' -gt 0 ]"
    a=$("$XGC" sim --planetlab "$DAY" --steps 0:24 --policy "plugin:$EX:0.5" --json)
    b=$("$XGC" sim --planetlab "$DAY" --steps 0:24 --policy "plugin:$EX:1.0" --json)
    echo "threshold 0.5: $(field energy_kwh "$a") kWh, 1.0: $(field energy_kwh "$b") kWh"
    expect "ARG reaches the plugin (threshold 0.5 uses more energy than 1.0)" \
        "awk 'BEGIN { exit !($(field energy_kwh "$a") > $(field energy_kwh "$b")) }'"
    j=$("$XGC" sim --planetlab "$DAY" --steps 0:24 --policy "plugin:$EX" --cloudsim-2011 --json)
    expect "--cloudsim-2011 with a plugin" "[ $? = 0 ] && has_metrics '$j'"
else
    skip=$((skip + 1)); echo "skip the PlanetLab day: $DAY not found"
fi

# A generic CSV trace, with --out.
{
    echo "timestamp_s,vm,cpu"
    echo "#capacity,web,2000,1024"
    for k in $(seq 0 23); do
        for v in web db cache batch queue; do
            echo "$((k * 300)),$v,$(( (k * 13 + ${#v} * 29) % 85 + 5 ))"
        done
    done
} > "$TMP/t.csv"
j=$("$XGC" sim --trace "$TMP/t.csv" --pms 6 --policy "plugin:$EX:0.6" --out "$TMP/out" --json 2>"$TMP/err")
expect "CSV trace: runs" "[ $? = 0 ]"
expect "CSV trace: every metric in --json" "has_metrics '$j'"
expect "CSV trace: --out has every migration" \
    "[ \$((\$(wc -l < '$TMP/out/migrations.csv') - 1)) = '$(field migrations "$j")' ]"

# Bad plugins, one source: MODE picks the fault.
cat > "$TMP/bad.c" <<'EOF'
#include <stdio.h>
#include "xgc_sim_plugin.h"
static int create(const char *arg, void **self, char *err, size_t len)
{
    (void)arg; *self = NULL;
    if (MODE == 1) { snprintf(err, len, "no licence for this policy"); return -1; }
    return 0;
}
static int place(void *self, const xgc_sim_plugin_view_t *w, int vm)
{
    (void)self;
    return MODE == 3 && vm == 0 ? -1 : vm % w->n_pms;
}
static int decide(void *self, const xgc_sim_plugin_view_t *w, xgc_sim_plugin_move_t *m, int max)
{
    (void)self;
    if (w->step != 2) return 0;
    if (MODE == 4) return max + 1;
    m[0].vm = MODE == 2 ? w->n_vms : 0;
    m[0].dest = 1;
    return MODE >= 2;
}
const xgc_sim_plugin_t xgc_sim_plugin = {
    XGC_SIM_PLUGIN_API + (MODE == 5), "bad", create, place, decide, NULL
};
EOF
for m in 0 1 2 3 4 5; do
    cc -shared -fPIC -DMODE=$m -I"$ROOT/scheduler/sim" -o "$TMP/bad$m.so" "$TMP/bad.c"
done
echo 'int not_a_plugin = 1;' > "$TMP/nosym.c"
cc -shared -fPIC -o "$TMP/nosym.so" "$TMP/nosym.c"
# fails CASE PLUGIN PATTERN: exit 2, the pattern on stderr, nothing on stdout
fails() {
    "$XGC" sim --trace "$TMP/t.csv" --pms 6 --policy "plugin:$2" >"$TMP/o" 2>"$TMP/e"
    rc=$?
    expect "$1: exit 2, '$3'" "[ $rc = 2 ] && grep -q \"$3\" '$TMP/e' && [ ! -s '$TMP/o' ]"
}
expect "a plugin that does nothing wrong runs" \
    "'$XGC' sim --trace '$TMP/t.csv' --pms 6 --policy 'plugin:$TMP/bad0.so' >/dev/null"
fails "missing file" "$TMP/none.so" "plugin $TMP/none.so: cannot load"
fails "missing symbol" "$TMP/nosym.so" "no symbol 'xgc_sim_plugin'"
fails "wrong API version" "$TMP/bad5.so" "built for plugin API 2, this xgc has 1"
fails "create fails" "$TMP/bad1.so:x" "create failed: no licence for this policy"
fails "example with a bad ARG" "$EX:abc" "threshold 'abc': need a number"
fails "out-of-range VM" "$TMP/bad2.so" "plugin bad ($TMP/bad2.so): step 2, move 0 (vm 5 -> pm 1): VM index out of range"
fails "move of an unplaced VM" "$TMP/bad3.so" "step 2, move 0 (vm 0 -> pm 1): the VM is not placed"
fails "more moves than max" "$TMP/bad4.so" "step 2: decide returned 6 moves, more than max 5"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
