#!/usr/bin/env python3
"""Lines each propagation sample (--samples-csv) up with ingestion's and identity's own timestamps.

usage: tests/Bifrost.Benchmarks/propagation-breakdown.py samples.csv
Run it on the machine where the AppHost runs (Release build): it reads the PostgreSQL connection from the running
ingestion process's environment and queries ingestion.scim_users.last_modified_at and identity.users.updated_at.
Samples whose user a background PATCH changed again before the probe saw its change are left out.
"""
import csv, datetime as dt, os, re, subprocess, sys

def connection():
    for pid in subprocess.run(["pgrep", "-f", "Bifrost.Ingestion"], capture_output=True, text=True).stdout.split():
        try:
            env = open(f"/proc/{pid}/environ", "rb").read().decode().split("\0")
        except OSError:
            continue
        for entry in env:
            if entry.startswith("ConnectionStrings__ingestiondb="):
                cs = entry.split("=", 1)[1]
                return re.search(r"Port=(\d+)", cs).group(1), re.search(r"Password=([^;]*)", cs).group(1)
    sys.exit("no running ingestion process found")

port, password = connection()

def query(db, sql):
    out = subprocess.run(["psql", "-h", "localhost", "-p", port, "-U", "postgres", "-d", db, "-At", "-c", sql],
                         capture_output=True, text=True, env={**os.environ, "PGPASSWORD": password}).stdout
    return {line.split("|")[0]: line.split("|")[1] for line in out.strip().splitlines() if line}

rows = list(csv.DictReader(open(sys.argv[1])))
ids = ",".join(f"'{r['user_id']}'" for r in rows)
stamp = "to_char({0} at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
ingestion = query("ingestion", f"select id, {stamp.format('last_modified_at')} from ingestion.scim_users where id in ({ids})")
identity = query("identity", f"select id, {stamp.format('updated_at')} from identity.users where id in ({ids})")

def when(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)

def ms(a, b):
    return (b - a).total_seconds() * 1000

parts = []
for r in rows:
    user = r["user_id"]
    if user not in ingestion or user not in identity:
        continue
    sent, accepted, visible = when(r["sent"]), when(r["accepted"]), when(r["visible"])
    changed, applied = when(ingestion[user]), when(identity[user])
    if sent <= changed <= applied <= visible:
        parts.append((ms(sent, visible), ms(sent, changed), ms(changed, accepted), ms(changed, applied), ms(applied, visible)))

print(f"{len(parts)} of {len(rows)} samples lined up (the others were changed again by the background load)")
print("| percentile | sent → visible | sent → ingestion's change | change → 200 at the client | change → identity applies it | identity applied → seen |")
print("|---|---|---|---|---|---|")
for p in (0.5, 0.9, 0.99):
    cells = []
    for k in range(5):
        values = sorted(x[k] for x in parts)
        cells.append(f"{values[min(len(values) - 1, int(p * len(values)))]:.1f}")
    print(f"| p{int(p * 100)} | " + " | ".join(cells) + " |")
