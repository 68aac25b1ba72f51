#!/usr/bin/env bash
# The vmd over CURVE, against the real xgc-broker with `security: curve`:
#   - the static vmd (its own ZMTP + CURVE client, no libzmq) with the vmd
#     certificate from the deployment file, and with --curve-server/--cert,
#     and the dynamic vmd (under valgrind if installed): their metrics reach
#     a CURVE `xgc tail`;
#   - the broker's role policy applies to the vmd's connection: a key of
#     another role (scheduler) publishing metrics is dropped and logged;
#     the vmd key publishing a command is dropped;
#   - per-VM certificates (`xgc keygen --vm`): each VM's vmd gets its own
#     metric through and not the other's (dropped, logged); bad names are
#     refused with nothing written;
#   - an unknown vmd key, a wrong broker key and a plaintext vmd get no
#     metric through, each vmd saying why, once (it retries with backoff);
#   - the vmd reconnects (new handshake) after the broker restarts, and a
#     CURVE vmd against a plaintext broker says so.
set -u
. "$(dirname "$0")/pmd_lib.sh"
xgc_test_setup secvmd
printf 'security:\n  mode: curve\n  certs: certs\n' >> "$T/x.yaml"
"$BIN/xgc" keygen -c "$T/x.yaml" > "$T/keygen.log" 2>&1 || { bad "keygen: $(cat "$T/keygen.log")"; xgc_test_end; exit 1; }
"$BIN/xgc" keygen -c "$T/x.yaml" --out "$T/other" > /dev/null 2>&1
# per-VM certificates, added to the directory (the others stay)
sum0=$(cat "$T/certs/secret/"{broker,operator,scheduler,vmd}.cert_secret | md5sum)
"$BIN/xgc" keygen -c "$T/x.yaml" --vm v1 --vm v2 > "$T/keygen-vm.log" 2>&1; r=$?
[ "$r" = 0 ] && [ "$(cat "$T/certs/secret/"{broker,operator,scheduler,vmd}.cert_secret 2>/dev/null | md5sum)" = "$sum0" ] \
    && grep -q 'role = "vmd"' "$T/certs/clients/vmd-v1.cert" && grep -q 'vm = "v1"' "$T/certs/clients/vmd-v1.cert" \
    && grep -q 'vm = "v2"' "$T/certs/clients/vmd-v2.cert" \
    && [ "$(stat -c %a "$T/certs/secret/vmd-v2.cert_secret")" = 600 ] \
    && ok "keygen --vm adds vmd-<vm> certificates (role vmd, vm NAME, secret 0600), keeps the others" \
    || bad "keygen --vm rc=$r: $(cat "$T/keygen-vm.log") $(ls "$T/certs/clients")"
"$BIN/xgc" keygen -c "$T/x.yaml" --vm v1 > "$T/keygen-again.log" 2>&1; r1=$?
"$BIN/xgc" keygen -c "$T/x.yaml" --vm v3 --vm 'a/b' > "$T/keygen-bad.log" 2>&1; r2=$?
"$BIN/xgc" keygen -c "$T/x.yaml" --vm 'a b' > /dev/null 2>&1; r3=$?
[ "$r1" = 1 ] && grep -q "vmd-v1.cert_secret exists (--force" "$T/keygen-again.log" \
    && [ "$r2$r3" = 22 ] && grep -q "invalid VM name 'a/b'" "$T/keygen-bad.log" \
    && [ ! -e "$T/certs/clients/vmd-v3.cert" ] && [ ! -e "$T/certs/secret/vmd-v3.cert_secret" ] \
    && ok "keygen --vm: an existing one is kept (exit 1), bad names exit 2 with nothing written" \
    || bad "keygen --vm refusals $r1 $r2 $r3: $(cat "$T/keygen-again.log" "$T/keygen-bad.log")"
"$BIN/xgc" keygen -c "$T/x.yaml" --out "$T/fresh" --vm w1 > /dev/null 2>&1 \
    && [ -e "$T/fresh/broker.cert" ] && grep -q 'vm = "w1"' "$T/fresh/clients/vmd-w1.cert" \
    && ok "keygen --vm into a new directory makes every certificate and the VM's" \
    || bad "keygen --vm fresh: $(ls "$T/fresh" "$T/fresh/clients")"
start_broker || { xgc_test_end; exit 1; }
sed '/^security:/,$d' "$T/x.yaml" > "$T/plain.yaml"     # the same broker, no security
grep -q "security: CURVE" "$T/broker.log" && ok "broker runs CURVE" || bad "broker: $(cat "$T/broker.log")"
SERVER_Z85=$(sed -n 's/.*public-key = "\(.*\)"/\1/p' "$T/certs/broker.cert")

# vmd NAME BINARY ARGS...: start a vmd publishing metric.vm.NAME every 200 ms
# (log in $T/NAME.log); its pid goes to PIDS and VMD.
# (XGC_CERT=... before vmd reaches the vmd, as for any shell function)
vmd() {
    local name=$1 bin=$2; shift 2
    "$BIN/$bin" --name "$name" --interval-ms 200 "$@" > "$T/$name.log" 2>&1 &
    VMD=$!
    PIDS+=($VMD)
}
# first_metric NAME SECONDS: the first metric.vm.NAME a CURVE tail sees, in
# $T/NAME.out (empty if none within SECONDS)
first_metric() {
    timeout "$2" "$BIN/xgc" tail metric.vm. -c "$T/x.yaml" --json -n 1 --where vm="$1" \
        > "$T/$1.out" 2> "$T/$1.tail.err"
}
arrives() { grep -q "\"vm\":\"$1\"" "$T/$1.out"; }

# --- good keys -------------------------------------------------------------------
vmd s1 xgc-vmd-static -c "$T/x.yaml"
first_metric s1 8
arrives s1 && grep -q '"alive":true' "$T/s1.out" \
    && ok "static vmd, keys from the deployment file: its metric reaches a CURVE tail" \
    || bad "static vmd from config: '$(cat "$T/s1.out")' $(cat "$T/s1.log" "$T/s1.tail.err")"
grep -q "publishing to .* (CURVE)" "$T/s1.log" && ok "the vmd says it publishes over CURVE" \
    || bad "s1 log: $(cat "$T/s1.log")"
kill9 "$VMD"

vmd s2 xgc-vmd-static --broker "tcp://127.0.0.1:$((PORT + 2))" --curve-server "$SERVER_Z85" \
    --cert "$T/certs/secret/vmd.cert_secret"
first_metric s2 8
arrives s2 && ok "static vmd with --curve-server Z85 and --cert: metric arrives" \
    || bad "static vmd with options: $(cat "$T/s2.log")"
kill9 "$VMD"

VG=()
command -v valgrind > /dev/null && VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9)
timeout 60 "${VG[@]}" "$BIN/xgc-vmd" -c "$T/x.yaml" --name d1 --interval-ms 300 --count 12 \
    > "$T/d1.log" 2>&1 &
D1=$!
PIDS+=($D1)
first_metric d1 15
wait "$D1"; rc=$?
arrives d1 && [ "$rc" = 0 ] \
    && ok "dynamic vmd over CURVE: metric arrives, exits 0${VG:+ (valgrind clean)}" \
    || bad "dynamic vmd rc=$rc: $(cat "$T/d1.log")"

# the AddressSanitizer build of the vmd (make SAN=1), if there: a good
# handshake and a refused one, without a report
ASAN_VMD=${XGC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/build/asan/bin/xgc-vmd
if [ -x "$ASAN_VMD" ]; then
    timeout 60 "$ASAN_VMD" -c "$T/x.yaml" --name a1 --interval-ms 200 --count 4 > "$T/a1.log" 2>&1
    r1=$?
    timeout 60 "$ASAN_VMD" -c "$T/x.yaml" --name a2 --interval-ms 200 --count 4 \
        --curve-server "$T/certs/broker.cert" --cert "$T/other/secret/vmd.cert_secret" > "$T/a2.log" 2>&1
    r2=$?
    [ "$r1$r2" = 00 ] && grep -q "(CURVE)" "$T/a1.log" && grep -q "refused our key" "$T/a2.log" \
        && ! grep -q "Sanitizer" "$T/a1.log" "$T/a2.log" \
        && ok "the ASan+UBSan vmd: a handshake and a refusal, no report" \
        || bad "asan vmd rc=$r1/$r2: $(cat "$T/a1.log" "$T/a2.log" | head -30)"
else
    skip=$((skip + 1)); echo "skip ASan vmd (make SAN=1 first)"
fi

# --- the role policy applies to the vmd's own connection ---------------------------
vmd s3 xgc-vmd-static -c "$T/x.yaml"
S3=$VMD
XGC_CERT=scheduler vmd r1 xgc-vmd-static -c "$T/x.yaml"
first_metric r1 3
sleep 0.3
! arrives r1 && grep -q "event dropped topic=metric.vm.r1 role=scheduler" "$T/broker.log" \
    && ok "a vmd holding a scheduler key: its metrics are dropped by role (logged)" \
    || bad "scheduler-key vmd: '$(cat "$T/r1.out")' $(grep dropped "$T/broker.log")"
kill9 "$VMD"
XGC_CERT=vmd "$BIN/xgc-bustest" publish cmd.pm1.create 3 0 -c "$T/x.yaml" > /dev/null 2>&1
sleep 0.3
grep -q "event dropped topic=cmd.pm1.create role=vmd" "$T/broker.log" \
    && ok "the vmd key may publish metrics only (a command is dropped)" \
    || bad "vmd key command: $(grep dropped "$T/broker.log")"

# --- per-VM certificates: each vmd speaks for its own VM only ------------------------
cross() {  # CERT_VM NAME: a vmd with vmd-CERT_VM's key claiming NAME gets nothing through
    vmd "$2" xgc-vmd-static -c "$T/x.yaml" --curve-server "$T/certs/broker.cert" \
        --cert "$T/certs/secret/vmd-$1.cert_secret"
    first_metric "$2" 3
    sleep 0.3
    ! arrives "$2" && grep -q "event dropped topic=metric.vm.$2 role=vmd vm=$1 " "$T/broker.log" \
        && ok "the vmd holding vm $1's certificate cannot publish metric.vm.$2 (dropped, logged)" \
        || bad "cross $1 -> $2: '$(cat "$T/$2.out")' $(grep dropped "$T/broker.log")"
    kill9 "$VMD"
}
own() {  # NAME HOW ARGS: a vmd with its own key (ARGS choose it) gets its metric through
    local name=$1 how=$2; shift 2
    vmd "$name" xgc-vmd-static -c "$T/x.yaml" "$@"
    first_metric "$name" 8
    arrives "$name" && ok "vm $name's own certificate ($how): its metric arrives" \
        || bad "own $name: '$(cat "$T/$name.out")' $(cat "$T/$name.log")"
    kill9 "$VMD"
}
cross v1 v2
own v1 --cert --curve-server "$T/certs/broker.cert" --cert "$T/certs/secret/vmd-v1.cert_secret"
cross v2 v1
own v2 "from -c"
grep -q "cert=$T/certs/secret/vmd-v2.cert_secret" "$T/v2.log" \
    && ok "with -c, the vmd of a VM that has its own certificate picks it" \
    || bad "v2 cert choice: $(cat "$T/v2.log")"
secret=$(sed -n 's/.*secret-key = "\(.*\)"/\1/p' "$T/certs/secret/vmd-v2.cert_secret")
[ ${#secret} = 40 ] && ! grep -qF -e "$secret" -e secret-key "$T/v2.log" \
    && ok "the vmd logs its certificate's path, never the secret" || bad "the vmd logged its secret key"
# a VM given its key while the broker runs (zauth and the role lookup read clients/ again)
"$BIN/xgc" keygen -c "$T/x.yaml" --vm v3 > /dev/null 2>&1 || bad "keygen --vm v3"
own v3 "made while the broker runs"
cross v3 v1

# --- refused ---------------------------------------------------------------------
vmd u1 xgc-vmd-static -c "$T/x.yaml" --curve-server "$T/certs/broker.cert" \
    --cert "$T/other/secret/vmd.cert_secret"
U1=$VMD
vmd w1 xgc-vmd-static -c "$T/x.yaml" --curve-server "$T/other/broker.cert" \
    --cert "$T/certs/secret/vmd.cert_secret"
W1=$VMD
vmd p1 xgc-vmd-static -c "$T/plain.yaml"
P1=$VMD
first_metric u1 3 & T1=$!
first_metric w1 3 & T2=$!
wait "$T1" "$T2"
sleep 0.5
! arrives u1 && grep -q "refused our key" "$T/u1.log" \
    && ok "an unknown vmd key: no metric, the vmd says the broker refused its key" \
    || bad "unknown key: '$(cat "$T/u1.out")' $(cat "$T/u1.log")"
! arrives w1 && grep -q "wrong --curve-server" "$T/w1.log" \
    && ok "a wrong broker key: the vmd says so" || bad "wrong server key: $(cat "$T/w1.log")"
grep -q "security mismatch: the broker uses CURVE and this vmd plaintext" "$T/p1.log" \
    && ok "a plaintext vmd against the CURVE broker: clear message" \
    || bad "plaintext vmd: $(cat "$T/p1.log")"
n=$(grep -c "publish to" "$T/u1.log")
kill -0 "$U1" && kill -0 "$W1" && kill -0 "$P1" && [ "$n" = 1 ] \
    && ok "they keep running and retrying, logging the reason once (not every try)" \
    || bad "refused vmds: alive? log lines $n"
kill9 "$U1"; kill9 "$W1"; kill9 "$P1"

# --- keys that cannot be used stop the vmd at once (status 2, the reason) -------------
e1=$(timeout 5 "$BIN/xgc-vmd-static" --name e1 --count 1 --cert "$T/certs/secret/vmd.cert_secret" 2>&1); r1=$?
e2=$(timeout 5 "$BIN/xgc-vmd-static" -c "$T/x.yaml" --name e2 --count 1 --curve-server "$T/certs/broker.cert" \
     --cert "$T/certs/clients/vmd.cert" 2>&1); r2=$?
e3=$(timeout 5 "$BIN/xgc-vmd-static" -c "$T/x.yaml" --name e3 --count 1 --curve-server nokey 2>&1); r3=$?
[ "$r1$r2$r3" = 222 ] && echo "$e1" | grep -q "needs the broker's public key" \
    && echo "$e2" | grep -q "holds no secret key" && echo "$e3" | grep -q "neither a certificate file" \
    && ok "unusable keys stop the vmd with status 2 and the reason" \
    || bad "key errors $r1 $r2 $r3: $e1 / $e2 / $e3"

# --- broker restart; CURVE vmd against a plaintext broker ----------------------------
kill9 "${PIDS[0]}"
start_broker || bad "broker restart"
first_metric s3 10
arrives s3 && ok "the vmd shakes hands again after the broker restarts" \
    || bad "no metric after restart: $(cat "$T/s3.log")"
kill9 "$S3"
kill9 "${PIDS[-1]}"
cp "$T/x.yaml" "$T/curve.yaml"
sed -i '/^security:/,$d' "$T/x.yaml"
start_broker || bad "plaintext broker"
timeout 10 "$BIN/xgc-vmd-static" -c "$T/curve.yaml" --name c1 --interval-ms 200 --count 3 \
    > "$T/c1.log" 2>&1
grep -q "security mismatch: the broker is plaintext" "$T/c1.log" \
    && ok "a CURVE vmd against a plaintext broker: clear message" || bad "c1: $(cat "$T/c1.log")"

xgc_test_end
