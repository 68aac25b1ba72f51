#!/bin/sh
# Integration test of `xgc eval` through the real binary: instance files
# (valid, invalid with the documented file:line errors and exit 2), --json
# lines, --generate reproducibility, --exact, and the seed plan's files.
XGC=${XGC_BIN:-build/bin}/xgc
ROOT=${XGC_ROOT:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# refused FILE-CONTENT EXPECTED-MESSAGE: exit 2 and the exact message
refused() {
    printf '%s' "$1" > "$tmp/bad.yaml"
    out=$("$XGC" eval --instance "$tmp/bad.yaml" 2>&1); rc=$?
    if [ "$rc" = 2 ] && [ "$out" = "xgc eval: $tmp/bad.yaml:$2" ]; then ok
    else bad "expected exit 2 and '$2', got $rc: $out"; fi
}

pm='pms:
  - {name: p1, cpu_mhz: 4000, mem_mb: 2048}
'
refused "${pm}vms:
  - {name: a, min_mhz: 900, max_mhz: 500, mem_mb: 1}
" "4:38: field 'max_mhz': min_mhz 900 > max_mhz 500"
refused "${pm}vms:
  - {name: a, min_mhz: 1, max_mhz: 5, shares: 0, mem_mb: 1}
" "4:47: field 'shares': must be positive (0)"
refused "${pm}vms:
  - {name: a, min_mhz: -1, max_mhz: 5, mem_mb: 1}
" "4:24: field 'min_mhz': must not be negative (-1)"
refused "${pm}vms:
  - {name: a, min_mhz: 1, max_mhz: 5, mem_mb: 1}
  - {name: a, min_mhz: 1, max_mhz: 5, mem_mb: 1}
" "5:12: field 'name': duplicate name 'a'"
refused "${pm}vms:
  - {name: a, min_mhz: 1, max_mhz: 5, mem_mb: 1, cpus: 2}
" "4:50: field 'cpus': unknown key in a vm"
refused 'pms:
  - {name: p1, cpu_mhz: 4000, mem_mb: 2048, power: {idle_w: 90}}
' "2:52: field 'peak_w': missing"
refused 'vms: []
' "1:1: field 'pms': missing"
refused 'pms: [
' "2:1: did not find expected node content while parsing a flow node"

# a VM too large for every PM is unplaced, not an error
printf '%s' "${pm}vms:
  - {name: big, min_mhz: 9000, max_mhz: 9000, mem_mb: 1}
  - {name: a, min_mhz: 100, max_mhz: 500, mem_mb: 1, utility_min: 1, utility_max: 2}
" > "$tmp/big.yaml"
out=$("$XGC" eval --instance "$tmp/big.yaml" --algorithm all --json); rc=$?
lines=$(printf '%s\n' "$out" | grep -c '"unplaced":1')
[ "$rc" = 0 ] && [ "$lines" = 6 ] && ok || bad "too-large VM: rc=$rc, lines=$lines: $out"
printf '%s\n' "$out" | head -1 | grep -q '^{"algorithm":"bs","net":2.*"placement":{"big":null,"a":"p1"},"alloc":{"big":0.*"a":500' \
    && ok || bad "json shape: $(printf '%s\n' "$out" | head -1)"

# every example instance evaluates, every algorithm, one JSON line each
for f in "$ROOT"/config/instances/*.yaml; do
    n=$("$XGC" eval --instance "$f" --algorithm all --json | grep -c '"algorithm"')
    [ "$n" = 6 ] && ok || bad "$f: $n JSON lines"
done
"$XGC" eval --instance "$ROOT/config/instances/small.yaml" --algorithm pemm,nope >/dev/null 2>&1
[ $? = 2 ] && ok || bad "unknown algorithm not refused"

# generated instances are reproducible from the seed
"$XGC" eval --generate --vms 50 --pms 5 --seed 9 > "$tmp/g1.yaml"
"$XGC" eval --generate --vms 50 --pms 5 --seed 9 > "$tmp/g2.yaml"
cmp -s "$tmp/g1.yaml" "$tmp/g2.yaml" && ok || bad "generator not reproducible"

# the exact comparison: nobody above the optimum (exit 0)
"$XGC" eval --exact --trials 10 > "$tmp/exact.txt" 2>/dev/null && ok || bad "exact: $(cat "$tmp/exact.txt")"

# the seed plan: CSV and the four figures (SVG and PNG when gnuplot is there)
"$XGC" eval --plan seed --vms 30 --pms 4 --out "$tmp/plan" > "$tmp/plan.txt" 2>&1
rows=$(wc -l < "$tmp/plan/plan.csv")
[ "$rows" = $((1 + 2 * 6 * 30)) ] && ok || bad "plan.csv has $rows lines"
if command -v gnuplot >/dev/null; then
    for f in fig1_utility fig2_pms fig3_utility_power fig4_pms_power; do
        [ -s "$tmp/plan/$f.svg" ] && [ -s "$tmp/plan/$f.png" ] && ok || bad "missing $f"
    done
fi

# --scale: medians of --repeat rounds, the PEMM/GM line; a bad --repeat is refused
out=$("$XGC" eval --scale 100,200 --algorithm gm,pemm --repeat 3 2>&1); rc=$?
[ "$rc" = 0 ] && printf '%s\n' "$out" | grep -q 'median of 3 round' \
    && printf '%s\n' "$out" | grep -q '^PEMM/GM time ratio (same run): 100: [0-9.]* 200: [0-9.]*$' \
    && ok || bad "--scale --repeat 3: rc=$rc: $out"
out=$("$XGC" eval --scale 100 --repeat 0 2>&1); rc=$?
[ "$rc" = 2 ] && [ "$out" = "xgc eval: --repeat wants 1 to 99 rounds" ] && ok || bad "--repeat 0: rc=$rc: $out"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
