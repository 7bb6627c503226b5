#!/usr/bin/env bash
# Issue 3's SCIM figures at 100k users, each leg from the same starting state (BENCHMARKS.md, sessions 23-24).
#
#   tests/Bifrost.Benchmarks/bench-100k.sh snapshot <folder>
#       Once: a data folder holding exactly 100,000 users (runs c2: 40,000 and c3: 60,000), vacuumed and analysed, its
#       stack stopped cleanly. About 10 minutes on 2 cores; 1.2 GB.
#   tests/Bifrost.Benchmarks/bench-100k.sh leg <folder> <name> [AppHost arguments...]
#       Copies the folder to $BENCH_WORK (default /tmp/bifrost-bench-leg), starts the Release AppHost on the copy
#       (tracing off, metrics exported every 60 s, gateway rate limit lifted), warms it up (the JIT keeps tiering up for
#       more than a minute), then measures: two 20,000-create runs (32 clients), 20 s of userName lookups and 20 s of
#       user PATCHes at 100/s. Each output goes to $BENCH_OUT (default artifacts/bench/<name>), and a summary is printed.
#       Extra arguments go to the AppHost (say --Bifrost:Ingestion:DatabasePoolSize=12) to compare settings.
#   tests/Bifrost.Benchmarks/bench-100k.sh sweep <folder> <name> [AppHost arguments...]
#       Same start and warm-up, then creates at 8, 16, 24 and 32 clients and at fixed rates of 600, 800 and 1,000/s.
#   tests/Bifrost.Benchmarks/bench-100k.sh timeline <folder> <name> [AppHost arguments...]
#       Same start and warm-up, then 40 s of creates at 1,000/s and at 600/s, each with every request's latency
#       (--samples-csv) and the machine's CPU by process, PostgreSQL role and .NET GC every 200 ms (timeline.py
#       record); prints timeline.py's report of the slowest moments.
#   tests/Bifrost.Benchmarks/bench-100k.sh propagation <folder> <name> [AppHost arguments...]
#       Same start, no warm-up: issue 5's propagation latency (SCIM write accepted -> visible in identity's API), 1,000
#       samples under 20 and then 50 background PATCHes/s, each over 10,000 users it creates first.
#
# Needs a Release build first (dotnet build -c Release), no AppHost running, and nothing else busy: the machine's speed
# drifts, so compare builds in alternating legs (A B A B) and compare CPU per request rather than requests per second.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
bench="$repo/artifacts/bin/Bifrost.Benchmarks/release/Bifrost.Benchmarks.dll"
apphost_pgid=""

die() { echo "bench-100k: $*" >&2; exit 1; }

start_apphost() { # <data folder> <log> [AppHost arguments...]
  local data=$1 log=$2; shift 2
  [ -f "$bench" ] && [ -d "$repo/artifacts/bin/Bifrost.AppHost/release" ] || die "build first: dotnet build -c Release"
  curl -s -o /dev/null http://localhost:8080/health && die "something already answers on localhost:8080: stop it first"
  rm -f "$data.apphost-pid"
  # In a session of its own, so the stop can signal the whole AppHost process group; the leader writes its own PID.
  (cd "$repo" && DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 setsid bash -c 'echo $$ > "$0"; exec "$@"' \
    "$data.apphost-pid" dotnet run -c Release --no-build --project AppHost/Bifrost.AppHost.csproj --launch-profile http -- \
    --Bifrost:Demo:Enabled=false --Bifrost:Gateway:Limits:PermitsPerSecond=100000 --Bifrost:Gateway:Limits:Burst=100000 \
    --Bifrost:DataDir="$data" --Bifrost:Ephemeral=false --Bifrost:Telemetry:TraceSampleRatio=0 \
    --Bifrost:Telemetry:ExportIntervalMs=60000 "$@" > "$log" 2>&1 < /dev/null &)
  for _ in $(seq 1 50); do [ -s "$data.apphost-pid" ] && break; sleep 0.1; done
  apphost_pgid=$(cat "$data.apphost-pid")
  trap 'stop_apphost "$data"' EXIT
  for _ in $(seq 1 240); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' http://localhost:8080/health || true)" = 200 ] && return 0
    kill -0 "$apphost_pgid" 2>/dev/null || { tail -20 "$log"; die "the AppHost exited (log: $log)"; }
    sleep 1
  done
  tail -20 "$log"; die "the stack did not answer /health within 4 minutes (log: $log)"
}

stop_apphost() { # <data folder>: the AppHost stops its resources; PostgreSQL must be down before the folder is copied.
  local data=$1
  [ -n "$apphost_pgid" ] || return 0
  trap - EXIT
  # SIGTERM to dotnet run and the AppHost: the AppHost's orchestrator (which watches it) then stops every service,
  # PostgreSQL (a fast shutdown, by postgres.sh) and RabbitMQ. About 15 s. Done when no process runs on the folder
  # and the gateway no longer answers.
  kill -TERM -- "-$apphost_pgid" 2>/dev/null || true
  for _ in $(seq 1 90); do
    pgrep -g "$apphost_pgid" > /dev/null || pgrep -f "$data/" > /dev/null || curl -s -o /dev/null http://localhost:8080/health || break
    sleep 1
  done
  if pgrep -f "postgres -D $data/postgres/data" > /dev/null; then
    echo "bench-100k: PostgreSQL outlived the AppHost by 90 s: fast shutdown" >&2
    pkill -INT -f "postgres -D $data/postgres/data" || true
    for _ in $(seq 1 30); do pgrep -f "postgres -D $data/postgres/data" > /dev/null || break; sleep 1; done
  fi
  kill -KILL -- "-$apphost_pgid" 2>/dev/null || true
  rm -f "$data.apphost-pid"
  apphost_pgid=""
}

load() { # <output file> <load tool arguments...>
  local out=$1; shift
  (cd "$repo" && dotnet "$bench" "$@") > "$out" 2>&1 || { tail -5 "$out"; die "load tool failed: $*"; }
}

vacuum() { # <data folder>: VACUUM ANALYZE every database, in single-user mode on the stopped cluster
  local data=$1/postgres/data bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  local as_pg=(); [ "$(id -u)" = 0 ] && as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  local dbs
  dbs=$("${as_pg[@]}" "$bin/postgres" --single -D "$data" postgres \
    <<< "SELECT datname FROM pg_database WHERE datallowconn AND datname <> 'template1'" 2> /dev/null | sed -n 's/.*datname = "\([^"]*\)".*/\1/p')
  for db in $dbs; do
    "${as_pg[@]}" "$bin/postgres" --single -D "$data" "$db" <<< "VACUUM ANALYZE" > /dev/null 2>&1
    echo "  vacuumed and analysed $db"
  done
}

warm_up() { # <output folder> <name>
  load "$1/warm1.txt" --run "w1$2" --users 10000 --phases create
  load "$1/warm2.txt" --run c2 --users 40000 --phases lookup,patch --seconds 20
  load "$1/warm3.txt" --run "w3$2" --users 10000 --phases create
}

summary() { # <output folder> <files...>
  local out=$1; shift
  for f in "$@"; do
    echo "== $f ($(grep -m1 'machine reference' "$out/$f.txt" | grep -o '[0-9]* ms for' | cut -d' ' -f1) ms reference)"
    grep -E '^\| (create|lookup|user PATCH|group member)' "$out/$f.txt" | tail -1
    grep -m1 'tail:' "$out/$f.txt" | cut -c1-200 || true
    grep -m1 'during the phase' "$out/$f.txt" | sed 's/.*during the phase: //' | cut -c1-400
  done
}

case "${1:-}" in
  snapshot)
    [ $# -eq 2 ] || die "usage: $0 snapshot <folder>"
    folder=$(realpath -m "$2")
    [ -e "$folder" ] && die "$folder exists: give a new folder"
    mkdir -p "$folder"
    log="$folder.apphost.log"
    start_apphost "$folder" "$log"
    load "$folder.c2.txt" --run c2 --users 40000 --phases create
    load "$folder.c3.txt" --run c3 --users 60000 --phases create
    stop_apphost "$folder"
    vacuum "$folder"
    echo "snapshot ready: $folder ($(du -sh "$folder" | cut -f1)); load-tool output beside it"
    ;;
  leg | sweep | timeline | propagation)
    [ $# -ge 3 ] || die "usage: $0 $1 <folder> <name> [AppHost arguments...]"
    mode=$1 snapshot=$(realpath "$2") name=$3; shift 3
    [ -d "$snapshot/postgres/data" ] || die "$snapshot is not a snapshot: make one with '$0 snapshot <folder>'"
    work=$(realpath -m "${BENCH_WORK:-/tmp/bifrost-bench-leg}")
    out=$(realpath -m "${BENCH_OUT:-$repo/artifacts/bench/$name}")
    mkdir -p "$out"
    rm -rf "$work"; cp -a "$snapshot" "$work"
    start_apphost "$work" "$out/apphost.log" "$@"
    # The propagation tool's own 10,000 creates are its warm-up.
    [ "$mode" = propagation ] || warm_up "$out" "$name"
    if [ "$mode" = propagation ]; then
      for r in 20 50; do
        load "$out/p$r.txt" --mode propagation --users 10000 --concurrency 8 --rate "$r" --samples 1000 --probes 1 \
          --samples-csv "$out/p$r.samples.csv"
      done
    elif [ "$mode" = timeline ]; then
      files=(warm3)
      for r in 1000 600; do
        python3 "$repo/tests/Bifrost.Benchmarks/timeline.py" record "$out/r$r.timeline.csv" 100 &
        recorder=$!
        rm -f "$out/r$r.samples.csv"
        load "$out/r$r.txt" --run "t$r$name" --users $((r * 46)) --phases create --rate "$r" --warmup 5 --seconds 40 \
          --samples-csv "$out/r$r.samples.csv"
        wait "$recorder"
        python3 "$repo/tests/Bifrost.Benchmarks/timeline.py" report "$out/r$r.samples.csv" "$out/r$r.timeline.csv" > "$out/r$r.report.txt"
        files+=("r$r")
      done
    elif [ "$mode" = leg ]; then
      for i in 1 2; do load "$out/create$i.txt" --run "x$i$name" --users 20000 --phases create; done
      load "$out/lookup.txt" --run c2 --users 40000 --phases lookup --seconds 20
      load "$out/patch.txt" --run c2 --users 40000 --phases patch --seconds 20 --rate 100 --warmup 5
      files=(warm3 create1 create2 lookup patch)
    else
      files=(warm3)
      for c in 8 16 24 32; do load "$out/c$c.txt" --run "c$c$name" --users 20000 --phases create --concurrency "$c"; files+=("c$c"); done
      for r in 600 800 1000; do load "$out/r$r.txt" --run "r$r$name" --users $((r * 26)) --phases create --rate "$r" --warmup 5; files+=("r$r"); done
    fi
    stop_apphost "$work"
    if [ "$mode" = propagation ]; then
      for r in 20 50; do echo "== propagation under $r PATCH/s"; grep -E '^\|' "$out/p$r.txt" | tail -3; done
    else
      summary "$out" "${files[@]}"
    fi
    [ "$mode" = timeline ] && for r in 1000 600; do echo "== r$r: the slowest moments"; cat "$out/r$r.report.txt"; done
    echo "outputs: $out"
    ;;
  *)
    sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
