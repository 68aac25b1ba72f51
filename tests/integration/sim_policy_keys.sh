#!/bin/sh
# sim_policy_keys.sh — `xgc sim --policy-keys` lists exactly the keys that
# `--policy xgc:key=value` accepts, each with a default that is accepted
# back; every listed key is documented in docs/sim.md; an unknown key is
# refused with exit 2.
XGC=${XGC_BIN:-build/bin}/xgc
ROOT=${XGC_ROOT:-.}
TMP=$(mktemp -d /tmp/xgc_sim_keys.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

# Two VMs, three samples: enough for a replay.
printf 'timestamp_s,vm,cpu\n0,a,10\n300,a,50\n600,a,20\n0,b,70\n300,b,0\n600,b,40\n' \
    > "$TMP/t.csv"
"$XGC" sim --policy-keys > "$TMP/keys" 2>&1 && ok "--policy-keys exits 0" || bad "--policy-keys exits 0"
n=$(tail -n +2 "$TMP/keys" | wc -l)
[ "$n" -ge 16 ] && ok "$n keys listed" || bad "only $n keys listed"
tail -n +2 "$TMP/keys" | while read -r key def section rest; do
    if "$XGC" sim --trace "$TMP/t.csv" --pms 2 --policy "xgc:$key=$def" --json \
            > /dev/null 2> "$TMP/err"; then
        echo "ok   $key=$def ($section) accepted"
    else
        echo "FAIL $key=$def refused: $(cat "$TMP/err")"
    fi
    grep -q "\`$key\`" "$ROOT/docs/sim.md" && echo "ok   $key documented" \
        || echo "FAIL $key not in docs/sim.md"
done > "$TMP/each"
cat "$TMP/each"
pass=$((pass + $(grep -c '^ok' "$TMP/each"))); fail=$((fail + $(grep -c '^FAIL' "$TMP/each")))

"$XGC" sim --trace "$TMP/t.csv" --pms 2 --policy xgc:nosuchkey=1 > /dev/null 2> "$TMP/err"
rc=$?
[ $rc -eq 2 ] && grep -q nosuchkey "$TMP/err" && ok "unknown key: exit 2 naming it" \
    || bad "unknown key: rc $rc, $(cat "$TMP/err")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
