#!/bin/sh
# Smoke test of the nested-Xen rig, without any xgc code (make xen-smoke):
#  1. boot host xa alone (timed), start xb in the background;
#  2. in xa's dom0: libxl_probe physinfo/list, xl create of a PVH domU,
#     credit2 weight/cap set and read back through libxl, then credit through
#     a cpupool, cross-checked with xl;
#  3. xl migrate of the PVH domU xa -> xb over the hosts' link; its uptime
#     goes on on xb; xl destroy.
# Prints TIME lines (also appended to build/xen/times.txt) and
# "N passed, N failed". Every QEMU it starts is stopped on exit.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rig=${XEN_RIG:-$root/build/xen}
xh=$root/tools/xen/xenhost.sh
. "$here/lib.sh"

work=$(mktemp -d /tmp/xen-smoke.XXXXXX)
cleanup() { "$xh" stop xa xb; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

"$xh" payload "$work/payload" || exit 1
# xb's migration receiver, a one-shot listener started at boot by the
# payload: a process started in the background through `xenhost.sh exec`
# keeps exec from returning (docs/xen-nested.md, pitfalls)
printf '#!/bin/sh\n[ "$(hostname)" = xb ] && exec socat TCP-LISTEN:9000,reuseaddr EXEC:"xl migrate-receive"\n' \
    > "$work/payload/start.sh"
chmod +x "$work/payload/start.sh"
export XEN_PAYLOAD=$work/payload

t=$(now); "$xh" start xa 1 || { fail "boot xa"; finish; }
timing host_boot_alone "$t"
XEN_SMP=1 "$xh" start xb 2 >"$work/xb.out" 2>&1 &
xbpid=$!

x() { "$xh" exec xa "$@"; }
out=$(x /payload/libxl_probe physinfo)
check "libxl physinfo: 2 cpus, credit2" "$out" 'nr_cpus=2 .*' 'sched=credit2'
out=$(x /payload/libxl_probe list)
check "libxl list: Domain-0 only" "$out" 'domains=1' 'name=Domain-0'

t=$(now)
x "xl create /payload/domu.cfg 'name=\"d1\"' 'extra=\"console=hvc0 xgc.name=d1 xgc.ip=192.168.100.10\"'" >"$work/create.out" 2>&1
check "xl create PVH d1" "$(cat "$work/create.out"; x xl list)" '^d1 '
timing xl_create_pvh "$t"
wait_console xa d1 DOMU-UP 120 && timing domu_up_pvh "$t"
check "d1 booted and pings dom0's bridge" "$(x cat /var/log/xen/console/guest-d1.log)" 'DOMU-UP' 'DOMU-NET-OK'

t=$(now)
out=$(x /payload/libxl_probe sched d1 384 25)
timing libxl_sched_set "$t"
check "credit2 weight/cap set via libxl" "$out" 'get sched=credit2' 'set sched=credit2 weight=384 cap=25'
check "xl agrees (credit2)" "$(x xl sched-credit2 -d d1)" '^d1 .* 384 .* 25$'

x "xl cpupool-cpu-remove Pool-0 1 && xl cpupool-create 'name=\"cpcredit\"' 'sched=\"credit\"' 'cpus=[\"1\"]' && xl cpupool-migrate d1 cpcredit" >"$work/pool.out" 2>&1
out=$(x /payload/libxl_probe sched d1 200 30)
check "credit (cpupool) weight/cap set via libxl" "$out" 'get sched=credit ' 'set sched=credit weight=200 cap=30'
check "xl agrees (credit)" "$(x xl sched-credit -d d1)" '^d1 .* 200 .* 30$'
x "xl cpupool-migrate d1 Pool-0 && xl cpupool-destroy cpcredit && xl cpupool-cpu-add Pool-0 1" >>"$work/pool.out" 2>&1
check "back in Pool-0" "$(x xl cpupool-list)" '^Pool-0 .* 2 .*credit2'

wait "$xbpid"; cat "$work/xb.out"
if "$xh" list | grep -q '^xb '; then
    before=$(last_uptime xa guest-d1.log)
    t=$(now)
    x "xl migrate -s '' d1 'socat - TCP:10.0.0.2:9000'" >"$work/mig.out" 2>&1
    check "xl migrate d1 xa -> xb" "$(cat "$work/mig.out")" 'successful'
    timing xl_migrate_pvh "$t"
    check_not "d1 gone from xa" "$(x xl list)" '^d1 '
    check "d1 runs on xb" "$("$xh" exec xb xl list)" '^d1 '
    sleep 12
    after=$(last_uptime xb 'guest-d1*.log')
    check "uptime continues on xb ($before -> $after)" \
        "$(awk "BEGIN{print ($after > $before) ? \"yes\" : \"no\"}")" '^yes$'
    "$xh" exec xb xl destroy d1
    check_not "xl destroy on xb" "$("$xh" exec xb xl list)" '^d1 '
else
    fail "xb boot"
fi
finish
