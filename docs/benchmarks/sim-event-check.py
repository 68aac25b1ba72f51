#!/usr/bin/env python3
# sim-event-check.py -- recomputes SLATAH, PDM and energy of a CloudSim-2011 run
# of xgc sim from its --out logs (placement.csv, migrations.csv, vms.csv,
# pms.csv) and the PlanetLab folder, independently of the simulator's code, with
# CloudSim's event-driven rule: a host state record at every update (each round
# after its decisions, each distinct migration end), SLATAH = time between
# consecutive records where the earlier one is active and allocated < requested,
# PDM = CPU a migrating VM was requested but not allocated, energy = trapezoid
# between updates (nothing from a host at 0 %). CloudSim's first update is at
# step 1 and its last at the end of the last round's copies: the first
# interval and the rest of the last one are not counted.
# docs/benchmarks/sim.md section 3.
#   xgc sim --planetlab DAY --cloudsim-2011 [--full-workload] --policy P --out DIR
#   python3 docs/benchmarks/sim-event-check.py DIR [DAY] [dest_div]
# dest_div: the destination's 10 % is divided by it (0.9: the simulator's
# CloudSim-2011 accounting; 1: CloudSim 3.0's HostDynamicWorkload).
import csv, os, sys
out = sys.argv[1]
D = sys.argv[2] if len(sys.argv) > 2 else '/work/shared/data/planetlab-20110303'
dest_div = float(sys.argv[3]) if len(sys.argv) > 3 else 0.9
files = sorted((f for f in os.listdir(D) if not f.startswith('.')), key=lambda s: s.encode())
tr = [[int(x) for x in open(os.path.join(D, f)).read().split()] for f in files]
vms = {int(r['vm']): (int(r['mips']), int(r['ram_mb'])) for r in csv.DictReader(open(out + '/vms.csv'))}
pms = {int(r['pm']): (int(r['cores']), float(r['core_mips'])) for r in csv.DictReader(open(out + '/pms.csv'))}
G4 = [86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117]
G5 = [93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135]
def P(p, u):
    w = G4 if pms[p][1] == 1860 else G5
    if u <= 0: return w[0]
    if u >= 1: return w[10]
    i = int(u * 10); return w[i] + (u * 10 - i) * (w[i + 1] - w[i])
place = {}
for r in csv.DictReader(open(out + '/placement.csv')):
    place.setdefault(int(r['step']), {})[int(r['vm'])] = int(r['pm'])
migs = {}
for r in csv.DictReader(open(out + '/migrations.csv')):
    k = int(round(float(r['start_s']) / 300))
    migs.setdefault(k, []).append((int(r['vm']), int(r['from_pm']), int(r['to_pm']), float(r['end_s'])))
NS = len(tr[0])
def dem(v, k, frac):
    a = tr[v][k]; b = tr[v][k + 1] if k + 1 < NS else a
    return vms[v][0] * (a + (b - a) * frac) / 100.0
viol = act = 0.0; energy = 0.0; req_t = lost_t = 0.0
prev = {}   # host -> (alloc, req, util) of the last record
for k in range(NS):
    t0 = 300.0 * k
    on = {}  # host -> list of (vm, role) role 0 resident, 1 out, 2 in
    mv = {}   # vm -> its last migration this round (where it ends)
    ph = {}   # vm -> earlier destinations this round (CloudSim runs both copies)
    for m in migs.get(k, []):
        if m[0] in mv:
            ph.setdefault(m[0], []).append(mv[m[0]][2])
        mv[m[0]] = m
    for v, p in place[k].items():
        on.setdefault(p, []).append((v, 1 if v in mv else 0))
    for v, m in mv.items():
        on.setdefault(m[2], []).append((v, 2))
        for q in ph.get(v, []):
            on.setdefault(q, []).append((v, 2))
    cuts = sorted(set(m[3] for m in mv.values()))
    times = [t0] + [c for c in cuts if c < t0 + 300] + [t0 + 300]
    if k == NS - 1:   # no update after the last round's last copy
        times = times[:-1]
    for i in range(len(times) - 1):
        ta, tb = times[i], times[i + 1]; frac = (ta - t0) / 300.0
        dt = tb - ta if k > 0 else 0.0   # no record before the first update (step 1)
        fb = (tb - t0) / 300.0
        for p, lst in on.items():
            cores, core = pms[p]
            def state(fr):
                asks = 0.0; items = []
                for v, role in lst:
                    d = dem(v, k, fr); c = min(d, core)
                    items.append((v, role, d, c)); asks += 0.1 * c if role == 2 else c
                sc = min(1.0, cores * core / asks) if asks > 0 else 1.0
                al = rq = 0.0; vl = []
                for v, role, d, c in items:
                    if role == 2: al += 0.1 * c * sc / dest_div; rq += d
                    elif role == 1: al += c * sc; rq += d; vl.append((d, 0.9 * c * sc))
                    else: al += c * sc; rq += d; vl.append((d, None))
                return al, rq, min(1.0, al / (cores * core)), vl
            al, rq, u, vl = state(frac)
            if al > 0:
                act += dt
                if al < rq * (1 - 1e-9) - 1e-6: viol += dt
            if u > 0:
                _, _, ub, _ = state(fb); energy += (P(p, u) + P(p, ub)) / 2 * dt
            for d, a in vl:
                req_t += d * dt
                if a is not None and a < d: lost_t += (d - a) * dt
        # migrations ending at tb move
        for v, m in list(mv.items()):
            if abs(m[3] - tb) < 1e-9:
                on[m[1]] = [x for x in on[m[1]] if x[0] != v]
                for q in ph.get(v, []):
                    on[q] = [x for x in on[q] if x[0] != v]
                on[m[2]] = [x if x[0] != v else (v, 0) for x in on[m[2]]]
                del mv[v]
print('slatah %.5f  pdm %.6f  energy %.3f kWh  active %.1f h' % (viol / act, lost_t / req_t, energy / 3.6e6, act / 3600))
