#!/bin/sh
# pmd.sh start|kill|pause|resume|pid — xgc-pmd in a nested host's dom0 (on
# the payload disk written by tools/xen/xenhost.sh; log /var/log/xgc-pmd.log).
# `start` supervises it like a service manager would: a pmd that dies is
# started again a second later, so `kill` (SIGKILL) means kill and restart.
# Why not start it from the control shell: a process started there keeps
# the control connection open, and `xenhost.sh exec` would never return.
case "$1" in
start)
    mkdir -p /var/lib/xgc
    while :; do
        /payload/xgc-pmd -c /payload/xgc.yaml --host "$(hostname)" --interval-ms 1000 \
            >>/var/log/xgc-pmd.log 2>&1 </dev/null &
        echo $! > /run/xgc-pmd.pid
        wait $!
        echo "pmd.sh: xgc-pmd exited with status $?, restarting" >>/var/log/xgc-pmd.log
        sleep 1
    done ;;
kill) kill -9 "$(cat /run/xgc-pmd.pid)" ;;
# pause/resume: hold the pmd for a few seconds (well under half its lease,
# 7.5 s, after which it would fence) while a test changes Xen behind it
pause)  kill -STOP "$(cat /run/xgc-pmd.pid)" ;;
resume) kill -CONT "$(cat /run/xgc-pmd.pid)" ;;
pid)  cat /run/xgc-pmd.pid ;;
*)    echo "usage: pmd.sh start|kill|pause|resume|pid" >&2; exit 2 ;;
esac
