# Shared by the consolidate policy's integration tests (sourced, not run;
# after sched_lib.sh): the deployment — a broker, one scheduler with
# `policy: consolidate` and 3 sim pmds (2 x 1000 MHz each) — and the steps
# they all take: up, 3 idle VMs placed on one PM, their reported CPU set by
# `xgc inject load`.

# cons_cfg CLUSTER PORT [LINES]: the deployment file on stdout; LINES are
# added to the scheduler: section (e.g. a consolidate: map); max_migrations
# is $CONS_MAX_MIGRATIONS (default 2).
cons_cfg() {
    cat <<YAML
cluster: $1
data_dir: $TMP/data
broker:
  endpoint: tcp://127.0.0.1:$2
scheduler:
  policy: consolidate
  debounce_ms: 20
  optimise_interval_ms: 500
  retry_ms: 300
  max_migrations: ${CONS_MAX_MIGRATIONS:-2}
  max_per_pm: 2
  power_off_hold_ms: 1500
  pmd_args: "--lease-ms 3000 --interval-ms 1000"
  demand: {window: 4, warmup: 1, threshold: 0.05}
${3:-}
pms:
YAML
    for i in 1 2 3; do
        echo "  - {name: pm$i, cpu_mhz: 2000, cores: 2, mem_mb: 8192, power_cost: 400, power: {idle_w: 80, peak_w: 160}, driver: sim, driver_opts: {time_factor: 50, load: 0}}"
    done
}

# VM rows of `xgc status --csv`: vm,name,state,desired_pm,actual_pm,...
vm_rows() { "$X" status -c "$CFG" --csv 2>/dev/null | grep '^vm,' | grep -v '^vm,name,'; }
settled() { [ "$(vm_rows | awk -F, '$3 == "running" && $4 == $5' | wc -l)" -eq 3 ]; }
pms_used() { vm_rows | awk -F, '{print $4}' | sort -u | wc -l; }
on_one_pm() { settled && [ "$(pms_used)" -eq 1 ]; }
on_two_pms() { settled && [ "$(pms_used)" -ge 2 ]; }
events() { grep -c "$1" "$TMP/events.jsonl"; }
saw() { [ "$(events "$1")" -ge 1 ]; }

# xgc up $CFG (exits after the logs if it fails), cmd.* events into
# $TMP/events.jsonl ($TAIL), 3 idle VMs c-0001.. (the pmds report 0 % CPU)
# on one PM.
cons_up_three_idle() {
    check "xgc up: broker, scheduler, 3 sim pmds" "$X" up -c "$CFG" --timeout 30
    if [ "$fail" -gt 0 ]; then
        for f in "$TMP"/data/log/*.log; do echo "== $f"; tail -n 5 "$f"; done
        echo "$pass passed, $fail failed"; exit 1
    fi
    "$X" tail -c "$CFG" cmd. --json > "$TMP/events.jsonl" 2>/dev/null &
    TAIL=$!
    sleep 0.5
    "$X" inject arrivals -c "$CFG" --quiet --count 3 --batch 3 --prefix c --min 100 --max 900 \
        --mem 256 --utility-min 10 --utility-max 20 >/dev/null
    check "3 idle VMs running on one PM" wait_for 30 on_one_pm
}

# cons_load SHARE SECONDS: the VMs report SHARE of their max (900 MHz), 10
# samples a second, in the background ($INJ).
cons_load() {
    "$X" inject load -c "$CFG" --quiet --prefix c --rate 10 --cpu "$1" --pattern const \
        --count 1000000 --duration "$2" >/dev/null &
    INJ=$!
}
