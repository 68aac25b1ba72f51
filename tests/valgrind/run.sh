#!/usr/bin/env bash
# A real scenario on loopback with every process under valgrind memcheck:
# a broker, two sim pmds, a vmd and the xgc tools (set, get, ls, del, tail,
# broker status, config check). VMs are created, re-capped, migrated pm1 ->
# pm2 and destroyed through plan keys; the daemons are then stopped with
# SIGTERM (one pmd and a following `xgc tail` with SIGINT) so that
# valgrind sees their whole teardown. Any memcheck error or
# definite/indirect leak in any process fails the run (exit status 99 of
# that process, and its log is printed).
#   tests/valgrind/run.sh [BIN-DIR]     (default build/bin; make valgrind)
# Logs: $VG_KEEP=1 keeps the temporary directory. Suppressions:
# tests/valgrind/xgc.supp (each entry says why).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-${XGC_BIN:-$HERE/../../build/bin}}
T=$(mktemp -d /tmp/xgc-valgrind.XXXXXX)
PORT=$((20000 + (RANDOM % 3000) * 5))
VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --error-exitcode=99 --track-fds=no
    --suppressions="$HERE/xgc.supp" --log-file="$T/vg.%p.log")

CFG=$T/x.yaml
# shellcheck source=tests/valgrind/lib.sh
. "$HERE/lib.sh"
SIG[pm2]=INT; SIG[tail]=INT   # as from a terminal
cleanup() {
    kill_all
    if [ -n "${VG_KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

cat > "$T/x.yaml" <<YAML
cluster: vg
data_dir: $T/data
broker:
  endpoint: tcp://127.0.0.1:$PORT
pms:
  - {name: pm1, cpu_mhz: 8000, mem_mb: 4096, cores: 4, driver_opts: {time_factor: 100}}
  - {name: pm2, cpu_mhz: 8000, mem_mb: 4096, cores: 4, driver_opts: {time_factor: 100}}
YAML

# A tool under valgrind; its memcheck verdict counts like a daemon's.
X() {
    local c=$1; shift
    "${VG[@]}" "$BIN/xgc" "$c" -c "$T/x.yaml" "$@"
    local rc=$?
    [ $rc = 99 ] && bad "memcheck: xgc $c $*"
    return $rc
}
state() { Q get "pm/$2/vm/$1" 2>/dev/null | sed -n 's/.*"state":"\([a-z_]*\)".*/\1/p'; }
is_state() { [ "$(state "$1" "$2")" = "$3" ]; }
alive_count() { [ "$(Q ls pm/ 2>/dev/null | grep -c /alive)" = "$1" ]; }
plan() { # vm host state cap from round
    X set "plan/$2/$1" "{v: 1, vm: $1, host: $2, state: $3, cap_mhz: $4, weight: 256, from: '$5', round: $6}" >/dev/null
}

start broker xgc-broker
wait_for 300 grep -q "broker started" "$T/broker.log" && ok "broker started under valgrind" \
    || bad "broker start: $(cat "$T/broker.log")"
# xgc tail following everything until it is interrupted, like an operator's
"${VG[@]}" "$BIN/xgc" tail -c "$T/x.yaml" --json > "$T/tail.log" 2>&1 &
PIDS+=($!); NAME[$!]=tail
start pm1 xgc-pmd --host pm1 --interval-ms 300 --lease-ms 20000 --grace-ms 1500
start pm2 xgc-pmd --host pm2 --interval-ms 300 --lease-ms 20000 --grace-ms 1500
start vmd1 xgc-vmd --name vm1 --interval-ms 300
wait_for 300 alive_count 2 && ok "2 pmds registered" || bad "2 pmds registered"

X config check > /dev/null 2>&1 || true
X set vm/vm1/spec "{v: 1, name: vm1, min_mhz: 200, max_mhz: 1000, mem_mb: 512}" >/dev/null
X set vm/vm2/spec "{v: 1, name: vm2, min_mhz: 200, max_mhz: 1000, mem_mb: 512}" >/dev/null
plan vm1 pm1 run 800 "" 1
plan vm2 pm2 run 0 "" 1
wait_for 300 is_state vm1 pm1 running && wait_for 300 is_state vm2 pm2 running \
    && ok "created vm1 on pm1, vm2 on pm2" || bad "create"

m=$(X tail metric.vm. --json -n 2 2>/dev/null)
echo "$m" | grep -q '"vm":"vm1"' && ok "xgc tail sees vm1's metrics" || bad "tail: '$m'"
plan vm1 pm1 run 400 "" 2
plan vm1 pm2 run 400 pm1 3
X del plan/pm1/vm1 >/dev/null
wait_for 400 is_state vm1 pm2 running && ok "migrated vm1 pm1 -> pm2" || bad "migrate"
plan vm2 pm2 stop 0 "" 4
wait_for 300 eval '[ -z "$(state vm2 pm2)" ]' && ok "destroyed vm2" || bad "destroy"
f0=$fail
X get pm/pm2/vm/vm1 >/dev/null
X get pm/pm2/vm/nosuch >/dev/null 2>&1
X ls pm/ >/dev/null
X ls pm/ --json >/dev/null
X broker status >/dev/null
X broker status --json >/dev/null
[ "$fail" = "$f0" ] && ok "tools against the broker"
f0=$fail

# Offline tools and error paths: any status but valgrind's 99 is fine here.
offline() { # command... (stdout and stderr dropped)
    "${VG[@]}" "$@" >/dev/null 2>&1
    [ $? = 99 ] && bad "memcheck: ${*#$BIN/}"
    return 0
}
ROOT=$HERE/../..
mkdir -p "$T/pl"
for i in 0 1 2 3; do
    seq 1 24 | awk -v i=$i '{ print (($1 * 7 + i * 13) % 90) + 5 }' > "$T/pl/vm$i"
done
printf '1\nnot a number\n' > "$T/pl/broken"
printf 'cluster: [oops\n' > "$T/bad.yaml"
offline "$BIN/xgc" eval --instance "$ROOT/config/instances/small.yaml" --algorithm all
offline "$BIN/xgc" eval --instance "$ROOT/config/instances/small.yaml" --algorithm xgc --json
offline "$BIN/xgc" sim --planetlab "$T/pl" --pms 4 --policy thr-mmt-0.8 --json
offline "$BIN/xgc" sim --planetlab "$T/pl" --pms 4 --policy lr-mmt-1.2
offline "$BIN/xgc" sim --planetlab "$T/pl" --pms 4 --strict
offline "$BIN/xgc" sim --planetlab "$T/none"
offline "$BIN/xgc" config check -c "$T/bad.yaml"
offline "$BIN/xgc" set -c "$T/x.yaml" plan/pm1/vmx "{v: 1, vm: [bad"
offline "$BIN/xgc" nosuchcommand
offline "$BIN/xgc-pmd" -c "$T/x.yaml" --host nosuch
offline "$BIN/xgc-pmd" -c "$T/bad.yaml" --host pm1
offline "$BIN/xgc-broker" -c "$T/x.yaml"
offline "$BIN/xgc-vmd" -c "$T/x.yaml" --bogus
[ "$fail" = "$f0" ] && ok "offline tools and error paths"
grep -q '"vm":"vm1"' "$T/tail.log" && ok "the following xgc tail saw vm1" || bad "xgc tail (following): $(head -3 "$T/tail.log")"

# SIGTERM every daemon (SIGINT for pm2 and xgc tail, as from a terminal), newest first
# (the broker last), and collect verdicts.
stop_all
for f in "$T"/vg.*.log; do
    [ -s "$f" ] || continue
    echo "--- $f"; cat "$f"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
