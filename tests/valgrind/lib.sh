# tests/valgrind/lib.sh — what both valgrind scenarios (run.sh, deploy.sh)
# do the same way: counting verdicts, waiting, starting daemons under
# valgrind and stopping them newest first. Sourced (bash); the caller sets
# BIN, T, VG (the valgrind command line) and CFG (the deployment file).
# shellcheck shell=bash
PIDS=()
declare -A NAME SIG   # per pid: the daemon's name; per name: its stop signal (TERM)
pass=0; fail=0

ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
wait_for() { # tenths command...
    local n=$1; shift
    for _ in $(seq "$n"); do "$@" > /dev/null 2>&1 && return 0; sleep 0.1; done
    return 1
}
# Without valgrind: the polling loops (fast, not under test).
Q() { local c=$1; shift; "$BIN/xgc" "$c" -c "$CFG" "$@"; }
start() { # name binary args...
    local n=$1 b=$2; shift 2
    "${VG[@]}" "$BIN/$b" -c "$CFG" "$@" > "$T/$n.log" 2>&1 &
    PIDS+=($!); NAME[$!]=$n
}
# Stops the daemons started so far, newest first, with SIG[name] (TERM
# unless set); each must exit by itself within 60 s with status 0
# (99: valgrind's verdict).
stop_all() {
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        local p=${PIDS[$i]} rc
        local n=${NAME[$p]} sig=${SIG[${NAME[$p]}]:-TERM}
        kill -"$sig" "$p" 2>/dev/null
        for _ in $(seq 600); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$p" 2>/dev/null && { bad "$n did not exit on SIG$sig within 60 s"; kill -9 "$p"; }
        wait "$p"; rc=$?
        case $rc in
            0)  ok "$n: exits 0 on SIG$sig" ;;
            99) bad "$n: memcheck errors or leaks" ;;
            *)  bad "$n: exit status $rc" ;;
        esac
    done
    PIDS=()
}
# For cleanup traps: whatever is still running is killed.
kill_all() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
}
