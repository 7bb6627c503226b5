#!/usr/bin/env python3
"""Where the time of sampled SCIM requests goes, stage by stage, from the traces the Aspire dashboard holds.

usage: tests/Bifrost.Benchmarks/trace-breakdown.py [--dashboard http://localhost:15080] [--since 60] [--method POST]

Run the AppHost with a small sample ratio (say --Bifrost:Telemetry:TraceSampleRatio=0.02, and an export interval
short enough for the exporters' queues, --Bifrost:Telemetry:ExportIntervalMs=5000), run the load tool, then this.
It reads the dashboard's telemetry API (/api/telemetry/traces) and keeps the traces whose gateway span started in the
last --since seconds (so runs before the one of interest are left out) and whose method is --method.

For each request, the stages are:
  wire in     the gateway's forwarding call starts -> ingestion starts the request (HTTP/2 to ingestion, scheduling)
  pre-batch   ingestion starts the request -> its write or lookup batch starts (body, checks, queue)
  db          the batch's PostgreSQL spans (statements and commit, as Npgsql sees them)
  batch rest  the rest of the batch (EF and the batch's own code)
  post-batch  the batch ends -> ingestion's answer is written (rendering)
  wire out    ingestion's answer -> the gateway's forwarding call ends
  gateway     the gateway's own time before and after forwarding (token check, YARP)
A request's batch is the batch span in its own trace or the one that links to it (a batch carries several requests).
Rows: requests grouped by total duration (as the gateway saw it), with the mean of each stage in ms.
"""
import argparse, collections, json, sys, time, urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("--dashboard", default="http://localhost:15080")
parser.add_argument("--since", type=float, default=120, help="seconds: keep requests started this recently")
parser.add_argument("--method", default="POST")
args = parser.parse_args()

with urllib.request.urlopen(f"{args.dashboard}/api/telemetry/traces?limit=1000000") as response:
    data = json.load(response)

spans = collections.defaultdict(list)
batches = []
for resource in data["data"]["resourceSpans"]:
    service = next((a["value"].get("stringValue") for a in resource.get("resource", {}).get("attributes", [])
                    if a["key"] == "service.name"), "?")
    for scope in resource["scopeSpans"]:
        for span in scope["spans"]:
            span["service"] = service
            span["start"] = int(span["startTimeUnixNano"]) / 1e6
            span["end"] = int(span["endTimeUnixNano"]) / 1e6
            spans[span["traceId"]].append(span)
            if service == "ingestion" and span["name"].startswith("scim ") and span["name"].endswith(" batch"):
                batches.append(span)

batch_of = {}
for batch in batches:
    batch_of.setdefault(batch["traceId"], batch)
    for link in batch.get("links") or []:
        batch_of.setdefault(link["traceId"], batch)

cutoff = time.time() * 1000 - args.since * 1000
rows = []
for trace_id, trace in spans.items():
    def first(service, predicate):
        return next((s for s in trace if s["service"] == service and predicate(s["name"])), None)
    server = first("gateway", lambda n: n.startswith(f"{args.method} /scim"))
    client = first("gateway", lambda n: n == args.method)
    ingestion = first("ingestion", lambda n: n.startswith(f"{args.method} /scim"))
    if not (server and client and ingestion) or server["start"] < cutoff:
        continue
    row = {
        "total": server["end"] - server["start"],
        "gateway": (client["start"] - server["start"]) + (server["end"] - client["end"]),
        "wire in": ingestion["start"] - client["start"],
        "wire out": client["end"] - ingestion["end"],
        "ingestion": ingestion["end"] - ingestion["start"],
    }
    batch = batch_of.get(trace_id)
    if batch:
        db = sum(s["end"] - s["start"] for s in spans[batch["traceId"]]
                 if s["service"] == "ingestion" and s["name"] in ("postgresql", "COPY FROM")
                 and batch["start"] <= s["start"] <= batch["end"])
        row.update({
            "pre-batch": max(0.0, batch["start"] - ingestion["start"]),
            "db": db,
            "batch rest": (batch["end"] - batch["start"]) - db,
            "post-batch": max(0.0, ingestion["end"] - batch["end"]),
        })
    rows.append(row)

if not rows:
    sys.exit(f"no sampled {args.method} request through the gateway in the last {args.since:g} s")

rows.sort(key=lambda r: r["total"])
n = len(rows)
stages = ["total", "gateway", "wire in", "pre-batch", "db", "batch rest", "post-batch", "wire out"]
groups = [("fastest half", 0, n // 2), ("50-90 %", n // 2, int(n * 0.9)), ("90-99 %", int(n * 0.9), int(n * 0.99)),
          ("slowest 1 %", int(n * 0.99), n)]
with_batch = sum(1 for r in rows if "db" in r)
print(f"{n} sampled {args.method} requests ({with_batch} with their batch span); mean ms per stage")
print("| requests | n | " + " | ".join(stages) + " |")
print("|---|---|" + "---|" * len(stages))
for label, lo, hi in groups:
    group = rows[lo:hi]
    if not group:
        continue
    means = [sum(r.get(s, 0.0) for r in group) / len(group) for s in stages]
    print(f"| {label} | {len(group)} | " + " | ".join(f"{m:.1f}" for m in means) + " |")
