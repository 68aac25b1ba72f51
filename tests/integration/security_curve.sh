#!/usr/bin/env bash
# CURVE security end to end, on loopback: `xgc keygen` certificates, a broker
# with `security: {mode: curve}`, and clients with good, wrong and no keys.
#   - keygen: one certificate per role and per PM, secrets 0600 in a 0700 dir;
#   - an operator adds a VM; a pmd writes its own keys (and a real xgc-pmd
#     registers, with its events reaching a CURVE `xgc tail`);
#   - a pmd that writes a plan / another PM's keys / its power key is refused
#     with a clear error (exit 3), logged by the broker with key and role,
#     and nothing changes;
#   - a key the broker does not know cannot connect (reason printed);
#   - a plaintext client against the CURVE broker, and a CURVE client against
#     a plaintext broker, fail cleanly with the reason, without hanging;
#   - a bad `security:` section or missing certificates stop the broker.
set -u
BIN=${XGC_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin}
T=$(mktemp -d /tmp/xgc-security.XXXXXX)
PIDS=()
pass=0; fail=0
cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

base() {  # PORT DATA
    printf 'cluster: sec\ndata_dir: %s\nbroker:\n  endpoint: tcp://127.0.0.1:%s\n' "$2" "$1"
    printf 'pms:\n  - {name: pm1, cpu_mhz: 8000, mem_mb: 4096, cores: 4, driver_opts: {time_factor: 100}}\n'
    printf '  - {name: pm2, cpu_mhz: 8000, mem_mb: 4096, cores: 4, driver_opts: {time_factor: 100}}\n'
}
configs() {  # a random base port for both deployment files
    PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
    base "$PORT" "$T/data" > "$T/plain.yaml"
    { base "$PORT" "$T/data"; printf 'security:\n  mode: curve\n  certs: certs\n'; } > "$T/curve.yaml"
}
configs
X() { "$BIN/xgc" "$@"; }
C="-c $T/curve.yaml"

# start a broker and wait for its "started" line; if it cannot bind (another
# test run holds the ports), move both deployments to other ports
start_broker() {  # YAML LOG
    for _ in 1 2 3 4 5; do
        "$BIN/xgc-broker" -c "$1" > "$2" 2>&1 &
        BROKER=$!
        PIDS+=($BROKER)
        for _ in $(seq 30); do
            kill -0 "$BROKER" 2>/dev/null || break
            grep -q "broker started" "$2" && break
            sleep 0.1
        done
        grep -q "broker started" "$2" && return 0
        kill -9 "$BROKER" 2>/dev/null; wait "$BROKER" 2>/dev/null
        configs
    done
}
stop_broker() { kill "$BROKER" 2>/dev/null; wait "$BROKER" 2>/dev/null; }
# a command's exit status and output (both streams) within N seconds
run() {  # SECONDS CMD...
    local t=$1; shift
    OUT=$(timeout "$t" "$@" 2>&1); RC=$?
}

# --- keygen --------------------------------------------------------------------
run 10 "$BIN/xgc" keygen $C
n=$(ls "$T/certs/clients" 2>/dev/null | wc -l)
[ "$RC" = 0 ] && [ "$n" = 5 ] && [ -f "$T/certs/broker.cert" ] \
    && ok "keygen: broker + 5 client certificates (scheduler, operator, vmd, pmd-pm1, pmd-pm2)" \
    || bad "keygen rc=$RC clients=$n: $OUT"
modes=$(stat -c %a "$T"/certs/secret/*.cert_secret | sort -u | tr '\n' ' ')
[ "$modes" = "600 " ] && [ "$(stat -c %a "$T/certs/secret")" = 700 ] \
    && ok "keygen: secrets 0600 in a 0700 directory" || bad "secret modes '$modes'"
grep -q 'role = "pmd"' "$T/certs/clients/pmd-pm2.cert" \
    && grep -q 'host = "pm2"' "$T/certs/clients/pmd-pm2.cert" \
    && grep -q 'role = "scheduler"' "$T/certs/clients/scheduler.cert" \
    && ok "keygen: role and host in the certificates' metadata" || bad "certificate metadata"
run 10 "$BIN/xgc" keygen $C
[ "$RC" = 2 ] && echo "$OUT" | grep -q "already holds" \
    && ok "keygen refuses to overwrite without --force" || bad "keygen overwrite rc=$RC: $OUT"

# --- the CURVE broker --------------------------------------------------------
start_broker "$T/curve.yaml" "$T/broker.log"
grep -q "security: CURVE" "$T/broker.log" && ok "broker runs CURVE with zauth" \
    || { bad "broker start"; cat "$T/broker.log"; }

VM='{v: 1, name: web1, min_mhz: 200, max_mhz: 1000, mem_mb: 512}'
run 10 "$BIN/xgc" set $C vm/web1/spec "$VM"
[ "$RC" = 0 ] && X get $C vm/web1/spec >/dev/null 2>&1 \
    && ok "operator adds a VM" || bad "operator set rc=$RC: $OUT"

ACTUAL='{v: 1, vm: web1, host: pm1, state: running, cap_mhz: 0, weight: 256, alloc_mhz: 0, since_ms: 1, reason: test}'
run 10 env XGC_CERT=pmd-pm1 "$BIN/xgc" set $C pm/pm1/vm/web1 "$ACTUAL"
[ "$RC" = 0 ] && X get $C pm/pm1/vm/web1 >/dev/null 2>&1 \
    && ok "a pmd writes its own key pm/pm1/vm/web1" || bad "pmd own key rc=$RC: $OUT"

PLAN='{v: 1, vm: web1, host: pm1, state: run, cap_mhz: 0, weight: 256, from: "", round: 1}'
run 10 env XGC_CERT=pmd-pm1 "$BIN/xgc" set $C plan/pm1/web1 "$PLAN"
[ "$RC" = 3 ] && echo "$OUT" | grep -q "refused to write plan/pm1/web1: permission denied: role pmd host pm1" \
    && ok "a pmd writing a plan is refused (exit 3, clear error)" || bad "pmd plan rc=$RC: $OUT"
run 10 "$BIN/xgc" get $C plan/pm1/web1
[ "$RC" = 1 ] && ok "the refused plan is not in the store" || bad "plan present rc=$RC: $OUT"
sleep 0.2
grep -q "write refused key=plan/pm1/web1 role=pmd host=pm1" "$T/broker.log" \
    && ok "the broker logs the refusal with key and role" || bad "no refusal in broker log"

run 10 env XGC_CERT=pmd-pm1 "$BIN/xgc" set $C pm/pm2/vm/web1 "$ACTUAL"
r1=$RC
run 10 env XGC_CERT=pmd-pm1 "$BIN/xgc" set $C pm/pm1/power '{v: 1, host: pm1, state: off, reason: x}'
r2=$RC
run 10 env XGC_CERT=pmd-pm1 "$BIN/xgc" del $C vm/web1/spec
r3=$RC
[ "$r1$r2$r3" = 333 ] && X get $C vm/web1/spec >/dev/null 2>&1 \
    && ok "a pmd may not write another PM's keys, its power key, or delete a VM" \
    || bad "pmd other writes: $r1 $r2 $r3"

run 10 env XGC_CERT=scheduler "$BIN/xgc" set $C plan/pm1/web1 "$PLAN"
s1=$RC
run 10 env XGC_CERT=scheduler "$BIN/xgc" set $C vm/web2/spec "$VM"
[ "$s1" = 0 ] && [ "$RC" = 3 ] && ok "the scheduler writes plans, not VM specs" \
    || bad "scheduler: plan $s1, spec $RC: $OUT"
run 10 env XGC_CERT=vmd "$BIN/xgc" set $C pm/pm1/vm/web1 "$ACTUAL"
[ "$RC" = 3 ] && ok "a vmd writes no state" || bad "vmd write rc=$RC"

# a real pmd (sim driver) connects with its own certificate and registers;
# its events travel encrypted through the broker to a CURVE tail
"$BIN/xgc-pmd" $C --host pm1 --interval-ms 200 --lease-ms 6000 > "$T/pm1.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do X get $C pm/pm1/alive >/dev/null 2>&1 && break; sleep 0.1; done
X get $C pm/pm1/alive >/dev/null 2>&1 && X get $C pm/pm1/info >/dev/null 2>&1 \
    && ok "xgc-pmd registers over CURVE (pm/pm1/alive, info)" \
    || { bad "pmd over CURVE"; tail -5 "$T/pm1.log"; }
run 10 "$BIN/xgc" tail $C metric.pm.pm1 -n 1 --json
echo "$OUT" | grep -q '"topic":"metric.pm.pm1"' && ok "events reach a CURVE tail" \
    || bad "tail over CURVE rc=$RC: $OUT"

# events are checked by role too: a pmd may not publish commands
"$BIN/xgc-bustest" subscribe cmd. 10 4 $C > "$T/sub.out" 2>&1 &
SUB=$!; PIDS+=($SUB)
sleep 0.5
XGC_CERT=pmd-pm1 "$BIN/xgc-bustest" publish cmd.pm2.create 5 0 $C > /dev/null 2>&1
"$BIN/xgc-bustest" publish cmd.pm2.create 3 0 $C > /dev/null 2>&1
wait "$SUB"
grep -q "received 3 " "$T/sub.out" && grep -q "event dropped topic=cmd.pm2.create role=pmd" "$T/broker.log" \
    && ok "a pmd's command events are dropped (and logged), the operator's pass" \
    || bad "event authorisation: $(cat "$T/sub.out")"

# --- keys the broker does not know ----------------------------------------------
run 10 "$BIN/xgc" keygen $C --out "$T/other"
run 10 env XGC_CERT="$T/other/secret/operator.cert" "$BIN/xgc" ls $C
[ "$RC" = 1 ] && echo "$OUT" | grep -q "refused our key" \
    && ok "an unknown key cannot connect (reason printed)" || bad "unknown key rc=$RC: $OUT"
run 10 env XGC_CERT="$T/other/secret/operator.cert" "$BIN/xgc" set $C vm/evil/spec "$VM"
[ "$RC" = 1 ] && ! X get $C vm/evil/spec >/dev/null 2>&1 \
    && ok "an unknown key writes nothing" || bad "unknown key write rc=$RC"

# --- plaintext against CURVE, CURVE against plaintext -----------------------------
start=$(date +%s)
run 12 "$BIN/xgc" ls -c "$T/plain.yaml"
[ "$RC" = 1 ] && echo "$OUT" | grep -q "security mismatch" \
    && ok "a plaintext client fails cleanly with the reason" || bad "plaintext ls rc=$RC: $OUT"
run 12 "$BIN/xgc" tail -c "$T/plain.yaml"
[ "$RC" = 1 ] && echo "$OUT" | grep -q "cannot connect to the broker: .*security \(mismatch\|settings differ\)" \
    && ok "a plaintext tail exits non-zero with the reason (no hang)" \
    || bad "plaintext tail rc=$RC: $OUT"
[ $(( $(date +%s) - start )) -le 10 ] && ok "both gave up within 10 s" || bad "slow give-up"
stop_broker

start_broker "$T/plain.yaml" "$T/plain-broker.log"
run 12 "$BIN/xgc" ls $C
[ "$RC" = 1 ] && echo "$OUT" | grep -q "security mismatch" \
    && ok "a CURVE client against a plaintext broker fails with the reason" \
    || bad "curve vs plain rc=$RC: $OUT"
stop_broker

# --- a broker that cannot be secured does not start -------------------------------
{ base "$PORT" "$T/data"; printf 'security: {mode: curve, certs: nowhere}\n'; } > "$T/nocerts.yaml"
run 10 "$BIN/xgc-broker" -c "$T/nocerts.yaml"
[ "$RC" != 0 ] && echo "$OUT" | grep -q "cannot read the secret certificate" \
    && ok "missing certificates stop the broker" || bad "no certs rc=$RC: $OUT"
{ base "$PORT" "$T/data"; printf 'security: {mode: tls, certs: certs}\n'; } > "$T/bad.yaml"
run 10 "$BIN/xgc" keygen -c "$T/bad.yaml"
[ "$RC" = 2 ] && echo "$OUT" | grep -q "bad.yaml:8:[0-9]*: field 'mode': 'tls' is not curve or none" \
    && ok "a bad security section is refused with file:line:col" || bad "bad section rc=$RC: $OUT"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
