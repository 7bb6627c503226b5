#!/usr/bin/env bash
# Runs every test tier (unit, functional, end-to-end) on a Debian 12 machine that has the .NET SDK: installs
# PostgreSQL and RabbitMQ when missing, starts private instances of both for the functional tests (the end-to-end
# tests boot the whole AppHost, which starts its own), runs dotnet test, and ends with "N passed, N failed".
# Usage: eng/test.sh [extra dotnet test arguments, e.g. --project tests/Bifrost.Scim.UnitTests]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=eng/common.sh
source eng/common.sh
ensure_infrastructure_packages

work=$(mktemp -d /tmp/bifrost-test.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

secret=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
pg_port=$(free_port)
PGPORT=$pg_port BIFROST_PG_DIR="$work/postgres" BIFROST_PG_PASSWORD="$secret" \
  BIFROST_PG_FSYNC=off BIFROST_PG_SYNCHRONOUS_COMMIT=off \
  bash AppHost/infra/postgres.sh >"$work/postgres.log" 2>&1 &
pids+=($!)
rabbit_port=$(free_port)
RABBITMQ_NODE_PORT=$rabbit_port RABBITMQ_DIST_PORT=$(free_port) ERL_EPMD_PORT=$(free_port) \
  BIFROST_RABBIT_DIR="$work/rabbitmq" BIFROST_RABBIT_NODENAME="test$rabbit_port" \
  BIFROST_RABBIT_USER=bifrost BIFROST_RABBIT_PASSWORD="$secret" \
  bash AppHost/infra/rabbitmq.sh >"$work/rabbitmq.log" 2>&1 &
pids+=($!)

dotnet tool restore >/dev/null
# newman for the SCIM conformance run (Microsoft's Postman collection); pinned by tests/conformance/package-lock.json.
if command -v npm >/dev/null; then
  (cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || echo "npm ci failed: the Postman conformance test will be skipped"
fi
dotnet build Bifrost.sln -v quiet -nologo -clp:ErrorsOnly || { echo "0 passed, 1 failed"; exit 1; }

wait_for_port "$pg_port" 60 || { cat "$work/postgres.log"; echo "PostgreSQL did not start"; echo "0 passed, 1 failed"; exit 1; }
wait_for_port "$rabbit_port" 90 || { cat "$work/rabbitmq.log"; echo "RabbitMQ did not start"; echo "0 passed, 1 failed"; exit 1; }
export BIFROST_TEST_PG="Host=127.0.0.1;Port=$pg_port;Username=postgres;Password=$secret;Database=postgres"
export BIFROST_TEST_RABBIT="amqp://bifrost:$secret@127.0.0.1:$rabbit_port"

results="$work/results"
target=(--solution Bifrost.sln)
case " $* " in *" --project "*|*" --solution "*|*" --test-modules "*) target=() ;; esac
# One test module at a time: the end-to-end module boots the whole system and the conformance suites assert response
# times, which a 2-core machine cannot honour while every other module runs beside them.
dotnet test "${target[@]}" --no-build --max-parallel-test-modules 1 --results-directory "$results" --report-trx "$@"
status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done
# Name the failed tests last, so that the tail of a CI log says what broke.
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$trx" | sed -n 's/.* testName="\([^"]*\)".*/FAILED: \1/p'
done
# ...and why: the first lines of each failure's message and stack (perl-base is on every Debian machine).
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  perl -0ne 'while (/<UnitTestResult [^>]*testName="([^"]*)"[^>]*outcome="Failed"(?:(?!<\/UnitTestResult>).)*?<Message>(.*?)<\/Message>(?:\s*<StackTrace>(.*?)<\/StackTrace>)?/sg) {
      my ($n, $m, $s) = ($1, $2, $3 // ""); for ($m, $s) { s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&#xD;//g; s/&#xA;/\n/g; s/&amp;/&/g; }
      my @l = (split(/\n/, $m))[0..14]; my @t = (split(/\n/, $s))[0..7];
      print "--- $n\n", join("\n", grep { defined } @l), "\n", join("\n", grep { defined } @t), "\n"; }' "$trx"
done
# A crashed test host writes no results: count it as a failure rather than report green.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
