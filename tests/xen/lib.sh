# Shared helpers of the nested-Xen tests (sourced; needs $xh, $rig, $here).
pass_n=0; fail_n=0
times_file=${XEN_TIMES:-$rig/times.txt}

now() { date +%s.%N | cut -c1-14; }
timing() {  # NAME T0: print and record the seconds since T0
    s=$(awk "BEGIN{printf \"%.1f\", $(now) - $2}")
    echo "TIME $1 ${s}s"
    echo "$(date -u +%FT%TZ) $1 $s" >> "$times_file"
}
fail() { fail_n=$((fail_n + 1)); echo "FAIL: $1"; }
check() {  # NAME TEXT REGEX...: every REGEX matches a line of TEXT
    name=$1; text=$2; shift 2
    for re in "$@"; do
        if ! printf '%s\n' "$text" | grep -Eq -- "$re"; then
            fail "$name (no /$re/)"; printf '%s\n' "$text" | tail -8 | sed 's/^/    | /'
            return 1
        fi
    done
    pass_n=$((pass_n + 1)); echo "ok: $name"
}
check_not() {  # NAME TEXT REGEX: no line of TEXT matches
    if printf '%s\n' "$2" | grep -Eq -- "$3"; then
        fail "$1 (/$3/ present)"; printf '%s\n' "$2" | tail -8 | sed 's/^/    | /'; return 1
    fi
    pass_n=$((pass_n + 1)); echo "ok: $1"
}
finish() { echo "$pass_n passed, $fail_n failed"; [ "$fail_n" = 0 ]; exit $?; }

# wait_console HOST DOMAIN MARKER SECS: the domain's console log (xenconsoled)
# shows MARKER within SECS.
wait_console() {
    i=0
    while [ $i -lt "$4" ]; do
        "$xh" exec "$1" "cat /var/log/xen/console/guest-$2*.log 2>/dev/null" | grep -q -- "$3" && return 0
        sleep 1; i=$((i + 1))
    done
    return 1
}
# last_uptime HOST LOGGLOB: the uptime of the domU's last tick in its console log.
last_uptime() {
    "$xh" exec "$1" "cat /var/log/xen/console/$2 2>/dev/null" |
        sed -n 's/.*DOMU-TICK .*uptime=\([0-9.]*\).*/\1/p' | tail -1 | grep . || echo 0
}
