#!/usr/bin/env python3
"""Where the write tail comes from: the machine's CPU, by process and by what each process does, every 200 ms, lined up
with the load tool's slow requests (BENCHMARKS.md, session 25).

  timeline.py record <timeline.csv> <seconds> [interval]
      Samples /proc every interval (0.2 s) for that long. Each row: UTC time, what, CPU milliseconds in the interval.
      "what" is a process (ingestion, gateway, identity, team-mapping, load tool, rabbitmq, ...), a PostgreSQL process by
      role (the backends of each database, autovacuum, checkpointer, WAL writer, ...), or a .NET service's garbage
      collector (its threads named ".NET SVR GC" / ".NET BGC": server GC runs collections on them, so their CPU is
      the collections' work), plus the machine's busy, iowait and steal time.
  timeline.py report <samples.csv> <timeline.csv> [--limit-ms 50] [--top 8]
      samples.csv comes from the load tool (--samples-csv). Puts each request in the interval it started in, and shows
      the intervals whose requests were slowest, each with the CPU of the interval and of the one before, against the
      run's average interval: what was different when the tail happened.
"""
import collections
import csv
import datetime as dt
import os
import re
import sys
import time

TICK_MS = 1000.0 / os.sysconf('SC_CLK_TCK')
SERVICES = {
    'Bifrost.Ingestion': 'ingestion', 'Bifrost.Gateway': 'gateway', 'Bifrost.Identity': 'identity',
    'Bifrost.TeamMapping': 'team-mapping', 'Bifrost.Reconciliation': 'reconciliation', 'Bifrost.GraphEmulator': 'graph emulator',
    'Bifrost.Benchmarks': 'load tool', 'Bifrost.AppHost': 'aspire', 'Aspire.Dashboard': 'aspire dashboard',
}
GC_THREAD = re.compile(r'^\.NET (SVR GC|BGC|Server GC|Background GC)')


def label(pid):
    try:
        cmd = open(f'/proc/{pid}/cmdline', 'rb').read().replace(b'\0', b' ').decode(errors='replace').strip()
    except OSError:
        return None, False
    if not cmd:
        return None, False
    for key, name in SERVICES.items():
        if key in cmd:
            return name, name not in ('aspire', 'aspire dashboard')
    if cmd.startswith('postgres:'):
        title = cmd[len('postgres:'):].strip()
        if title.startswith('autovacuum'):
            return 'pg autovacuum', False
        for role in ('checkpointer', 'background writer', 'walwriter', 'logical replication', 'stats'):
            if title.startswith(role):
                return f'pg {role}', False
        parts = title.split()
        return (f'pg {parts[1]}' if len(parts) > 1 else 'pg other'), False
    if '/bin/postgres' in cmd:
        return 'pg postmaster', False
    if 'beam.smp' in cmd or 'epmd' in cmd or 'erl_child_setup' in cmd:
        return 'rabbitmq', False
    if '/dcp' in cmd or 'dcpctrl' in cmd:
        return 'aspire', False
    return None, False


def cpu_of(path):
    try:
        fields = open(path).read().rsplit(')', 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def record(out, seconds, interval=0.2):
    known = {}  # pid -> (label, is_service)
    gc_threads = {}  # pid -> [tid]
    last = {}
    last_scan = 0.0

    def scan():
        for entry in os.listdir('/proc'):
            if entry.isdigit() and int(entry) not in known:
                known[int(entry)] = label(entry)
        for pid, (name, service) in known.items():
            if name and service:
                tids = []
                try:
                    for tid in os.listdir(f'/proc/{pid}/task'):
                        try:
                            if GC_THREAD.match(open(f'/proc/{pid}/task/{tid}/comm').read().strip()):
                                tids.append(tid)
                        except OSError:
                            pass
                except OSError:
                    pass
                gc_threads[pid] = tids

    def sample():
        totals = collections.Counter()
        now = {}
        for pid, (name, _) in list(known.items()):
            if not name:
                continue
            value = cpu_of(f'/proc/{pid}/stat')
            if value is None:
                continue
            now[('p', pid)] = (name, value)
            gc = [cpu_of(f'/proc/{pid}/task/{tid}/stat') for tid in gc_threads.get(pid, [])]
            if gc:
                now[('g', pid)] = (f'{name} GC', sum(v for v in gc if v is not None))
        stat = open('/proc/stat').readline().split()[1:]
        user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in stat[:8])
        now[('m', 'busy')] = ('machine busy', user + nice + system + irq + softirq)
        now[('m', 'iowait')] = ('machine iowait', iowait)
        now[('m', 'steal')] = ('machine steal', steal)
        for key, (name, value) in now.items():
            if key in last:
                totals[name] += (value - last[key][1]) * TICK_MS
        last.clear()
        last.update(now)
        return totals

    with open(out, 'w', newline='') as file:
        writer = csv.writer(file)
        writer.writerow(['utc', 'what', 'cpu_ms'])
        end = time.time() + seconds
        scan()
        sample()
        next_at = time.time() + interval
        while time.time() < end:
            time.sleep(max(0.0, next_at - time.time()))
            next_at += interval
            if time.time() - last_scan > 5:
                scan()
                last_scan = time.time()
            stamp = dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'
            for name, ms in sorted(sample().items()):
                if ms > 0:
                    writer.writerow([stamp, name, f'{ms:.0f}'])


def parse_time(text):
    return dt.datetime.strptime(text.rstrip('Z'), '%Y-%m-%dT%H:%M:%S.%f').replace(tzinfo=dt.timezone.utc).timestamp()


def report(samples_file, timeline_file, limit_ms=50.0, top=8):
    timeline = collections.defaultdict(collections.Counter)
    for row in csv.DictReader(open(timeline_file)):
        timeline[parse_time(row['utc'])][row['what']] += float(row['cpu_ms'])
    stamps = sorted(timeline)
    if len(stamps) < 3:
        sys.exit('the timeline has fewer than 3 intervals')
    interval = (stamps[-1] - stamps[0]) / (len(stamps) - 1)

    def bucket(t):  # the interval that ends at the first stamp at or after t
        lo, hi = 0, len(stamps) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if stamps[mid] < t:
                lo = mid + 1
            else:
                hi = mid
        return lo

    requests = collections.defaultdict(list)
    for row in csv.DictReader(open(samples_file)):
        t = parse_time(row['started_utc'])
        if stamps[0] - interval <= t <= stamps[-1]:
            requests[bucket(t)].append(float(row['ms']))
    if not requests:
        sys.exit('no request falls inside the timeline: record it while the load tool runs')
    used = sorted(requests)
    mean = collections.Counter()
    for i in used:
        mean.update(timeline[stamps[i]])
    for key in mean:
        mean[key] /= len(used)
    slow = sum(1 for i in used for ms in requests[i] if ms > limit_ms)
    total = sum(len(requests[i]) for i in used)
    print(f'{total} requests in {len(used)} intervals of {interval * 1000:.0f} ms; {slow} over {limit_ms:.0f} ms '
          f'({100.0 * slow / total:.2f} %)')
    whats = [w for w, _ in mean.most_common() if not w.startswith('machine')][:12]
    print('average interval, CPU ms: ' + ' · '.join(f'{w} {mean[w]:.0f}' for w in ['machine busy', 'machine iowait'] + whats))
    worst = sorted(used, key=lambda i: -max(requests[i]))[:top]
    for i in sorted(worst):
        cpu = timeline[stamps[i]]
        before = timeline[stamps[i - 1]] if i > 0 else collections.Counter()
        lat = sorted(requests[i])
        when = dt.datetime.fromtimestamp(stamps[i], dt.timezone.utc).strftime('%H:%M:%S.%f')[:-3]
        print(f'\n{when}: {len(lat)} requests started, max {lat[-1]:.0f} ms, median {lat[len(lat) // 2]:.0f} ms')
        for name, counter in (('  this interval', cpu), ('  the one before', before)):
            notable = sorted(counter.items(), key=lambda kv: -(kv[1] - mean.get(kv[0], 0)))
            parts = [f'{w} {v:.0f}' + (f' (avg {mean[w]:.0f})' if w in mean else ' (new)') for w, v in notable[:7] if v > 0]
            print(f'{name}: busy {counter["machine busy"]:.0f} ms, iowait {counter["machine iowait"]:.0f} ms; above average: ' + ' · '.join(parts))


if __name__ == '__main__':
    if len(sys.argv) >= 4 and sys.argv[1] == 'record':
        record(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) > 4 else 0.2)
    elif len(sys.argv) >= 4 and sys.argv[1] == 'report':
        args = sys.argv[4:]
        limit = float(args[args.index('--limit-ms') + 1]) if '--limit-ms' in args else 50.0
        top = int(args[args.index('--top') + 1]) if '--top' in args else 8
        report(sys.argv[2], sys.argv[3], limit, top)
    else:
        print(__doc__)
        sys.exit(2)
