#!/bin/sh
# Where a PM's pmd comes from (per-PM `pmd:` in pms:, tools/deploy.c), without
# Xen: PM a has a local pmd (xgc up starts xgc-pmd), PM b a launcher (a shell
# command run by xgc up in the deployment file's directory, told XGC_CONFIG,
# XGC_BIN and XGC_PM; it leaves a child in its process group, as the nested
# Xen launcher leaves its QEMU), PM c an external pmd that the test starts
# itself. xgc up waits for all three, then the scheduler places the VM;
# xgc down stops the launcher's whole group but not the external pmd. A
# launcher that exits makes xgc up fail and stop the rest; a bad pmd:
# setting is refused by `xgc config check` and `xgc up` with file:line:col.
. "$(dirname "$0")/sched_lib.sh"
BASE=$((13000 + ($$ % 1000) * 5))   # below the ephemeral ports
MARK=$((7000 + $$ % 1000))          # the launcher child's `sleep` argument
mkdir -p "$TMP/conf"
CFG=$TMP/conf/deploy.yaml
none_left() { ! pgrep -f "$CFG" >/dev/null; }
deployment() {  # LAUNCHER-COMMAND
    cat > "$CFG" <<YAML
cluster: pmdlaunch
data_dir: $TMP/data
broker:
  endpoint: tcp://127.0.0.1:$BASE
scheduler:
  debounce_ms: 10
pms:
  - {name: a, cpu_mhz: 1000, mem_mb: 1000, power_cost: 1}
  - name: b
    cpu_mhz: 4000
    mem_mb: 4000
    power_cost: 0.1
    pmd:
      launcher: $1
      ready_timeout_s: 20
  - {name: c, cpu_mhz: 1000, mem_mb: 1000, power_cost: 1, pmd: {external: true}}
vms:
  - {name: v1, min_mhz: 100, max_mhz: 2000, mem_mb: 64}
YAML
}
# the launcher: from the file's directory, a child in its group, then the pmd
deployment "pwd > launcher.cwd; echo \$XGC_PM > launcher.pm; sleep $MARK & exec \"\$XGC_BIN/xgc-pmd\" -c \"\$XGC_CONFIG\" --host \"\$XGC_PM\""
check "xgc config check accepts pmd: settings" sh -c "'$X' config check -c '$CFG' >/dev/null"

"$XGC_BIN/xgc-pmd" -c "$CFG" --host c > "$TMP/pmd-c.log" 2>&1 &
EXT=$!
check "xgc up: local, launched and external pmds ready" "$X" up -c "$CFG" --timeout 20
check "the launcher ran in the file's directory, told its PM" \
    test "$(cat "$TMP/conf/launcher.cwd" 2>/dev/null):$(cat "$TMP/conf/launcher.pm" 2>/dev/null)" = "$TMP/conf:b"
check "pid files: pmd-a and host-b, none for the external c" \
    test "$(cd "$TMP/data/run" && ls *.pid | sort | tr '\n' ' ')" = "broker.pid host-b.pid pmd-a.pid scheduler-1.pid "
placed() { "$X" get -c "$CFG" plan/b/v1 >/dev/null 2>&1; }
check "the scheduler placed v1 on b (the cheapest)" wait_for 10 placed
running() { pgrep -f "sleep $MARK" >/dev/null; }
check "the launcher's child runs" running
"$X" down -c "$CFG" >/dev/null
gone() { ! pgrep -f "sleep $MARK" >/dev/null; }
check "xgc down stops the launcher's whole process group" wait_for 5 gone
check "xgc down leaves the external pmd alone" kill -0 "$EXT"
kill "$EXT"; wait "$EXT" 2>/dev/null

# a launcher that gives up: xgc up fails, says which, stops the rest. It
# gives up after a second, while the heartbeat and info that b's pmd left in
# the store (same data_dir) are still there: they must not make b ready.
deployment "echo booting; sleep 1; exit 3"
"$XGC_BIN/xgc-pmd" -c "$CFG" --host c > "$TMP/pmd-c.log" 2>&1 &
EXT=$!
out=$("$X" up -c "$CFG" --timeout 20 2>&1); rc=$?
check "xgc up fails when a launcher exits" test "$rc" -ne 0
check "... naming it and its log" sh -c "echo '$out' | grep -q 'host-b exited; see .*/log/host-b.log'"
check "... and stops what it started" test -z "$(ls "$TMP/data/run" 2>/dev/null)"
kill "$EXT"; wait "$EXT" 2>/dev/null

# a bad setting: exit 2, file:line:col, nothing started
deployment "true"
sed -i 's/ready_timeout_s: 20/ready_timeout_s: 0/' "$CFG"
refused() {
    out=$("$X" "$@" 2>&1); rc=$?
    [ $rc -eq 2 ] && echo "$out" | grep -q "$CFG:15:24: field 'ready_timeout_s': must be 1..86400"
}
check "config check refuses ready_timeout_s: 0 at file:line:col" refused config check -c "$CFG"
check "xgc up refuses it too, starting nothing" refused up -c "$CFG"
check "xgc down leaves no process behind" none_left
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
