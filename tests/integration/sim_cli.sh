#!/bin/sh
# sim_cli.sh — xgc sim end to end: the full day in CloudSim-2011 mode stays
# within tolerance of the reference figures (BENCHMARKS.md §2), --json has
# its fields, --out writes a placement log that agrees with the summary,
# bad input exits 2 with a message, names with spaces load.
XGC=${XGC_BIN:-build/bin}/xgc
ROOT=${XGC_ROOT:-.}
DAY=${XGC_SIM_DAY:-$ROOT/../../shared/data/planetlab-20110303}
[ -d "$DAY" ] || DAY=/work/shared/data/planetlab-20110303
TMP=$(mktemp -d /tmp/xgc_sim_cli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0; skip=0
ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
# field NAME JSON -> value
field() { echo "$2" | sed -n "s/.*\"$1\": \([-0-9.e+]*\).*/\1/p"; }
# within VALUE REF PERCENT
within() { awk -v v="$1" -v r="$2" -v p="$3" 'BEGIN { d = (v - r) / r * 100; if (d < 0) d = -d; exit !(d <= p) }'; }

if [ -d "$DAY" ]; then
    j=$("$XGC" sim --planetlab "$DAY" --policy lr-mmt-1.2 --cloudsim-2011 --json)
    e=$(field energy_kwh "$j"); m=$(field migrations "$j")
    echo "cloudsim-2011 lr-mmt-1.2: energy $e kWh (ref 93.26), migrations $m (ref 10900)"
    check "cloudsim lr-mmt-1.2 energy within 5 % of 93.26" "within $e 93.26 5"
    check "cloudsim lr-mmt-1.2 migrations within 5 % of 10900" "within $m 10900 5"
    j=$("$XGC" sim --planetlab "$DAY" --policy thr-mmt-0.8 --cloudsim-2011 --json)
    check "cloudsim thr-mmt-0.8 energy within 5 % of 95.44" "within $(field energy_kwh "$j") 95.44 5"
    check "cloudsim thr-mmt-0.8 migrations within 5 % of 16500" "within $(field migrations "$j") 16500 5"
    j=$("$XGC" sim --planetlab "$DAY" --policy dvfs --cloudsim-2011 --json)
    check "cloudsim dvfs energy within 2 % of 626.3" "within $(field energy_kwh "$j") 626.3 2"
    for f in energy_kwh slatah pdm slav esv migrations slatah_mean pdm_mean sleeps; do
        check "--json has $f" "echo '$j' | grep -q '\"$f\": '"
    done
else
    skip=$((skip + 1)); echo "skip the full day: $DAY not found"
fi

# A small folder with awkward names, a bad file and a hidden one.
mkdir -p "$TMP/pl"
for i in 0 1 2 3 4 5; do
    seq 1 24 | awk -v i=$i '{ print (($1 * 7 + i * 13) % 90) + 5 }' > "$TMP/pl/vm $i with spaces"
done
printf '1\nnot a number\n' > "$TMP/pl/broken"
printf '5\n' > "$TMP/pl/.hidden"
out=$("$XGC" sim --planetlab "$TMP/pl" --pms 8 --policy thr-mmt-0.8 --json 2>"$TMP/err")
check "names with spaces load (6 VMs)" "echo '$out' | grep -q '\"vms\": 6,'"
check "bad file skipped with a warning" "grep -q 'broken: line 2' '$TMP/err'"
"$XGC" sim --planetlab "$TMP/pl" --pms 8 --strict >/dev/null 2>&1
check "--strict: bad file is exit 2" "[ $? = 2 ]"

"$XGC" sim --planetlab "$TMP/none" >/dev/null 2>"$TMP/err"
check "missing folder: exit 2" "[ $? = 2 ] && grep -q 'cannot open trace folder' '$TMP/err'"
"$XGC" sim --planetlab "$TMP/pl" --policy lr-mmt-abc >/dev/null 2>"$TMP/err"
check "bad policy: exit 2" "[ $? = 2 ] && grep -q 'safety parameter' '$TMP/err'"
"$XGC" sim >/dev/null 2>&1
check "no source: exit 2" "[ $? = 2 ]"
printf '0,a,10\n300,a,oops\n' > "$TMP/bad.csv"
"$XGC" sim --trace "$TMP/bad.csv" >/dev/null 2>"$TMP/err"
check "csv bad line: exit 2 with file:line" "[ $? = 2 ] && grep -q 'bad.csv:2:' '$TMP/err'"

# Generic CSV + --out: the placement log agrees with the summary.
{
    echo "timestamp_s,vm,cpu"
    echo "#capacity,web,2000,1024"
    for k in $(seq 0 23); do
        for v in web db cache batch; do
            echo "$((k * 300)),$v,$(( (k * 11 + ${#v} * 17) % 80 + 10 ))"
        done
    done
} > "$TMP/t.csv"
"$XGC" sim --trace "$TMP/t.csv" --pms 6 --policy thr-mmt-0.6 --out "$TMP/out" --json > "$TMP/j" 2>"$TMP/err"
check "--trace --out runs" "[ $? = 0 ]"
for f in intervals.csv placement.csv migrations.csv vms.csv pms.csv summary.json plot.gp; do
    check "--out wrote $f" "[ -s '$TMP/out/$f' ]"
done
n_mig=$(($(wc -l < "$TMP/out/migrations.csv") - 1))
check "migrations.csv has every migration" "[ $n_mig = $(field migrations "$(cat "$TMP/j")") ]"
check "intervals.csv has 24 rows" "[ $(($(wc -l < "$TMP/out/intervals.csv") - 1)) = 24 ]"
check "placement log: 4 VMs x 24 intervals" "[ $(($(wc -l < "$TMP/out/placement.csv") - 1)) = 96 ]"
sum=$(awk -F, 'NR > 1 { s += $6 } END { print s }' "$TMP/out/intervals.csv")
check "intervals.csv migrations add up" "[ '$sum' = $n_mig ]"

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
