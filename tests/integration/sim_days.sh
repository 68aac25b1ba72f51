#!/bin/sh
# sim_days.sh — xgc sim --planetlab ROOT over day folders (YYYYMMDD): one row
# per day equal to that day's own run, the median row (Table V's rule: mean
# of the two middle values for an even count), --json's days[] and median,
# a bad day (exit 2, no rows), a ROOT mixing VM files and days (exit 2).
# The days are three disjoint sets of 40 VMs of the shared PlanetLab day.
XGC=${XGC_BIN:-build/bin}/xgc
ROOT=${XGC_ROOT:-.}
DAY=${XGC_SIM_DAY:-$ROOT/../../shared/data/planetlab-20110303}
[ -d "$DAY" ] || DAY=/work/shared/data/planetlab-20110303
pass=0; fail=0; skip=0
ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
if [ ! -d "$DAY" ]; then
    echo "skip: $DAY not found"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
DAY=$(cd "$DAY" && pwd)   # the links below point at it from elsewhere
TMP=$(mktemp -d /tmp/xgc_sim_days.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
R=$TMP/root
# day NAME FIRST LAST: links the day's files FIRST..LAST (glob order)
day() {
    mkdir -p "$R/$1"
    i=0
    for f in "$DAY"/*; do
        i=$((i + 1))
        if [ $i -ge "$2" ] && [ $i -le "$3" ]; then ln -s "$f" "$R/$1/"; fi
    done
}
day 20110303 1 40
day 20110306 41 80
day 20110309 81 120
mkdir "$R/notes"; : > "$R/.hidden"   # ignored: not a day, hidden
OPTS="--pms 40 --policy lr-mmt-1.2"

# shellcheck disable=SC2086
"$XGC" sim --planetlab "$R" $OPTS > "$TMP/days" 2>"$TMP/err"
check "three days: exit 0, nothing on stderr" "[ $? = 0 ] && [ ! -s '$TMP/err' ]"
check "three day rows and a median row" \
    "[ \$(grep -cE '^2011030[369] ' '$TMP/days') = 3 ] && grep -q '^median ' '$TMP/days'"
# Each day's row has the figures of that folder's own run.
for d in 20110303 20110306 20110309; do
    # shellcheck disable=SC2086
    "$XGC" sim --planetlab "$R/$d" $OPTS > "$TMP/one" 2>/dev/null
    want=$(awk '/energy/ { e = $2 } /SLATAH/ { s = $2 } /PDM/ { p = $2 } /SLAV/ { v = $2 }
                /ESV/ { x = $2 } /migrations/ { m = $2 } /PM sleeps/ { z = $3 }
                END { print e, s, p, v, x, m, z }' "$TMP/one")
    got=$(awk -v d=$d '$1 == d { print $2, $3, $4, $5, $6, $7, $8 }' "$TMP/days")
    check "day $d's row equals its own run ($got)" "[ '$got' = '$want' ]"
done
# median of column C of the day rows, computed here
median() {
    grep -E '^[0-9]{8} ' "$1" | awk -v c="$2" '{ print $c }' | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# same A B TOLERANCE: two numbers, both present, within the tolerance
same() {
    [ -n "$1" ] && [ -n "$2" ] &&
        awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'
}
me=$(awk '$1 == "median" { print $2 }' "$TMP/days"); mm=$(awk '$1 == "median" { print $7 }' "$TMP/days")
check "median energy = the test's median ($me)" "same '$me' '$(median "$TMP/days" 2)' 0.005"
check "median migrations = the test's median ($mm)" "same '$mm' '$(median "$TMP/days" 7)' 0"

# shellcheck disable=SC2086
j=$("$XGC" sim --planetlab "$R" $OPTS --json)
check "--json: days[3]" "[ \$(echo '$j' | grep -o '{\"day\": \"2011030[369]\", \"policy\"' | wc -l) = 3 ]"
check "--json: median object last" "echo '$j' | grep -q '\], \"median\": {\"energy_kwh\": [0-9.e+-]*, .*\"migrations\": [0-9.]*, .*}}$'"

# Even count: the mean of the two middle values.
mv "$R/20110309" "$TMP/20110309"
# shellcheck disable=SC2086
"$XGC" sim --planetlab "$R" $OPTS > "$TMP/two"
e1=$(awk '$1 == "20110303" { print $2 }' "$TMP/two"); e2=$(awk '$1 == "20110306" { print $2 }' "$TMP/two")
me=$(awk '$1 == "median" { print $2 }' "$TMP/two")
check "two days: median energy = mean of both ($me)" \
    "same '$me' \$(awk 'BEGIN { print ($e1 + $e2) / 2 }') 0.011"
m1=$(awk '$1 == "20110303" { print $7 }' "$TMP/two"); m2=$(awk '$1 == "20110306" { print $7 }' "$TMP/two")
mm=$(awk '$1 == "median" { print $7 }' "$TMP/two")
check "two days: median migrations = mean of both ($mm)" \
    "same '$mm' \$(awk 'BEGIN { print ($m1 + $m2) / 2 }') 0"

# A bad day: exit 2, its name on stderr, no rows at all.
mkdir "$R/20110304"
# shellcheck disable=SC2086
"$XGC" sim --planetlab "$R" $OPTS > "$TMP/out" 2>"$TMP/err"
check "empty day: exit 2, named, nothing printed" \
    "[ $? = 2 ] && grep -q 'day 20110304' '$TMP/err' && [ ! -s '$TMP/out' ]"
rmdir "$R/20110304"; mkdir "$R/20110310"; printf '1\nbad\n' > "$R/20110310/vm"
for f in "$DAY"/*; do ln -s "$f" "$R/20110310/"; break; done
# shellcheck disable=SC2086
"$XGC" sim --planetlab "$R" $OPTS --strict > "$TMP/out" 2>"$TMP/err"
check "--strict, bad file in a day: exit 2, named, nothing printed" \
    "[ $? = 2 ] && grep -q 'day 20110310' '$TMP/err' && [ ! -s '$TMP/out' ]"
rm -r "$R/20110310"

# --out: one folder per day.
# shellcheck disable=SC2086
"$XGC" sim --planetlab "$R" $OPTS --out "$TMP/o" > /dev/null 2>&1
check "--out DIR/<day>/summary.json per day" \
    "[ -s '$TMP/o/20110303/summary.json' ] && [ -s '$TMP/o/20110306/summary.json' ]"

# A ROOT with VM files and day folders is refused, naming it.
for f in "$DAY"/*; do ln -s "$f" "$R/"; break; done
# shellcheck disable=SC2086
"$XGC" sim --planetlab "$R" $OPTS > "$TMP/out" 2>"$TMP/err"
check "mixed ROOT: exit 2, named" "[ $? = 2 ] && grep -q \"$R holds both\" '$TMP/err' && [ ! -s '$TMP/out' ]"

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
