#!/bin/sh
# compare_plans.sh OLD_XGC NEW_XGC — are two builds' plans identical?
# Compares `xgc eval --json` (time_ms stripped) of both binaries on
# config/instances/*.yaml and on generated instances, across the variant
# options, plus --exact, --sweep (stdout) and the Net table of --scale.
# Prints "same ..." or "DIFF ..." per case and exits 1 on any difference.
# Run from the repository root; scratch files go to a temporary folder.
old=$1; new=$2
[ -x "$old" ] && [ -x "$new" ] || { echo "usage: $0 OLD_XGC NEW_XGC" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
strip() { sed -E 's/"time_ms": *[0-9.eE+-]+,?//g'; }
run() {  # tag, xgc arguments...
    tag=$1; shift
    "$old" "$@" 2>/dev/null | strip > "$tmp/old"; "$new" "$@" 2>/dev/null | strip > "$tmp/new"
    if cmp -s "$tmp/old" "$tmp/new"; then echo "same $tag"; else echo "DIFF $tag"; fail=1; fi
}
for f in config/instances/*.yaml; do
    for v in "" "--pemm forward" "--pemm greedy" "--no-close" "--allow-drop" "--candidates 0" \
             "--candidates 8" "--key arrival" "--pm-order efficiency" "--rescore-all"; do
        run "$f $v" eval --instance "$f" --algorithm all --json $v
    done
done
for seed in 1 2 3; do
    for n in 300 3000 20000; do
        "$old" eval --generate --vms $n --pms $((n / 10)) --power 2000 --seed $seed > "$tmp/g.yaml"
        for v in "" "--candidates 8" "--candidates 1" "--candidates 2" "--pemm forward" \
                 "--pemm greedy" "--no-close" "--allow-drop" "--shares equal" \
                 "--key min --pm-order efficiency" "--rescore-all"; do
            [ $n = 20000 ] && [ -n "$v" ] && continue
            run "generated seed $seed, $n VMs $v" eval --instance "$tmp/g.yaml" \
                --algorithm emm,pemm,xgc --json $v
        done
    done
done
run "exact" eval --exact --trials 200
run "sweep" eval --sweep --out "$tmp/sweep"
for seed in 1 7; do
    for b in old new; do
        eval "bin=\$$b"
        "$bin" eval --scale 1000,10000 --algorithm emm,pemm,xgc --seed $seed 2>/dev/null \
            | sed -n '/^ *net/,/^$/p' > "$tmp/scale.$b"
    done
    if cmp -s "$tmp/scale.old" "$tmp/scale.new"; then echo "same scale Net, seed $seed"
    else echo "DIFF scale Net, seed $seed"; fail=1; fi
done
exit $fail
