#!/bin/sh
# A malformed deployment file and a schema error are refused by a real
# binary (`xgc config check -c FILE`) with file:line:col and the field's
# name, and exit status 2; a good file passes with status 0.
bin=${XGC_BIN:-build/bin}
tmp=$(mktemp -d /tmp/xgc-config-errors.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0

# expect NAME STATUS PATTERN FILE-CONTENT: run, compare status and stderr/stdout.
expect() {
    name=$1; want=$2; pattern=$3
    printf '%s' "$4" > "$tmp/$name.yaml"
    out=$("$bin/xgc" config check -c "$tmp/$name.yaml" 2>&1); rc=$?
    if [ "$rc" = "$want" ] && printf '%s' "$out" | grep -qF -- "$pattern"; then
        pass=$((pass + 1)); echo "ok   $name"
    else
        fail=$((fail + 1)); echo "FAIL $name: status $rc (want $want), output:"; echo "$out"
    fi
}

expect good 0 "cluster    lab" \
'cluster: lab
broker:
  endpoint: tcp://127.0.0.1:7800
'
expect bad_security 2 "$tmp/bad_security.yaml:5:9: field 'mode': 'curvy' is not curve or none" \
'cluster: lab
broker:
  endpoint: tcp://127.0.0.1:7800
security:
  mode: curvy
'
expect malformed 2 "$tmp/malformed.yaml:4:1: did not find expected" \
'cluster: lab
broker:
  endpoint: [tcp://127.0.0.1:7800
'
expect unknown_key 2 "$tmp/unknown_key.yaml:3:1: field 'brokr': unknown key in the deployment" \
'cluster: lab
broker: {endpoint: "tcp://127.0.0.1:7800"}
brokr: {}
'
expect bad_port 2 "$tmp/bad_port.yaml:3:13: field 'endpoint': port must be 1..65531" \
'cluster: lab
broker:
  endpoint: tcp://127.0.0.1:70000
'
expect missing 2 "$tmp/missing.yaml:1:1: field 'cluster': missing" \
'broker: {endpoint: "tcp://127.0.0.1:7800"}
'
expect bad_vm 2 "$tmp/bad_vm.yaml:4:38: field 'max_mhz'" \
'cluster: lab
broker: {endpoint: "tcp://127.0.0.1:7800"}
vms:
  - {name: a, min_mhz: 900, max_mhz: 500, mem_mb: 1}
'
expect model 0 "model      1 pm, 2 vms" \
'cluster: lab
broker: {endpoint: "tcp://127.0.0.1:7800"}
pms:
  - {name: pm1, cpu_mhz: 9600, mem_mb: 16384}
vms:
  - {name: a, min_mhz: 100, max_mhz: 500, mem_mb: 1}
  - {name: b, min_mhz: 100, max_mhz: 500, mem_mb: 1}
'

# No such file, and a missing -c argument: status 2 too.
out=$("$bin/xgc" config check -c "$tmp/none.yaml" 2>&1); rc=$?
if [ "$rc" = 2 ] && printf '%s' "$out" | grep -qF "none.yaml: No such file"; then
    pass=$((pass + 1)); echo "ok   no_file"
else
    fail=$((fail + 1)); echo "FAIL no_file: $rc $out"
fi
out=$("$bin/xgc" config check -c 2>&1); rc=$?
if [ "$rc" = 2 ]; then pass=$((pass + 1)); echo "ok   no_arg"
else fail=$((fail + 1)); echo "FAIL no_arg: $rc $out"; fi

# XGC_CONFIG is used when -c is absent.
out=$(XGC_CONFIG="$tmp/good.yaml" "$bin/xgc" config check 2>&1); rc=$?
if [ "$rc" = 0 ] && printf '%s' "$out" | grep -qF "cluster    lab"; then
    pass=$((pass + 1)); echo "ok   env"
else
    fail=$((fail + 1)); echo "FAIL env: $rc $out"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
