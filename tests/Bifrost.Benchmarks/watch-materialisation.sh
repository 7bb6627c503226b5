#!/usr/bin/env bash
# Follows an initial cycle until everything has materialised (BENCHMARKS.md, issue 6). Run it beside the AppHost
# (Release build) and the Entra simulator on the same machine:
#   tests/Bifrost.Benchmarks/watch-materialisation.sh <provider id> [interval seconds] [data dir]  > watch.csv
# Every interval it prints one CSV row of the provider's counts: ingestion users, groups, members and outbox rows;
# identity users, active group memberships, outbox rows and the sum of its per-user affiliation versions; team-mapping
# users, teams, active team memberships, outbox rows and the sum of its per-user affiliation versions; and the messages
# waiting in RabbitMQ. Everything has materialised when identity's users and memberships equal ingestion's, both
# outboxes and every queue are empty, and the two affiliation sums are equal.
set -uo pipefail
provider=$1; every=${2:-10}; data=${3:-/tmp/bifrost-bench}
pid=$(pgrep -f "release/Bifrost.Ingestion" | head -n 1) || { echo "no Release ingestion process running" >&2; exit 1; }
cs=$(tr '\0' '\n' < "/proc/$pid/environ" | grep '^ConnectionStrings__ingestiondb=' | cut -d= -f2-)
port=$(sed 's/.*Port=\([0-9]*\).*/\1/' <<< "$cs"); export PGPASSWORD=$(sed 's/.*Password=\([^;]*\).*/\1/' <<< "$cs")
q() { psql -h localhost -p "$port" -U postgres -d "$1" -At -c "$2" 2>/dev/null | tr '|' ','; }
epmd=$(ps aux | grep "epmd -port" | grep -v grep | head -n 1 | sed 's/.*-port \([0-9]*\).*/\1/')
queued() { HOME=$data/rabbitmq/home ERL_EPMD_PORT=$epmd /usr/lib/rabbitmq/bin/rabbitmqctl -q -n bifrost@localhost list_queues messages 2>/dev/null | awk 'NR>1{s+=$1} END{print s+0}'; }
echo "time,ing_users,ing_groups,ing_members,ing_outbox,id_users,id_memberships,id_outbox,id_aff_sum,tm_users,tm_teams,tm_memberships,tm_outbox,tm_aff_sum,queued"
while true; do
  a=$(q ingestion "select (select count(*) from ingestion.scim_users where provider_id='$provider'),(select count(*) from ingestion.scim_groups where provider_id='$provider'),(select count(*) from ingestion.scim_group_members where provider_id='$provider'),(select count(*) from ingestion.outbox_messages)")
  b=$(q identity "select (select count(*) from identity.users where provider_id='$provider'),(select count(*) from identity.group_memberships where provider_id='$provider' and active),(select count(*) from identity.outbox_messages),(select coalesce(sum(version),0) from identity.user_affiliation_versions where provider_id='$provider')")
  c=$(q teammapping "select (select count(*) from team_mapping.users where provider_id='$provider'),(select count(*) from team_mapping.teams where provider_id='$provider'),(select count(*) from team_mapping.team_memberships m join team_mapping.teams t on t.id = m.team_id where t.provider_id='$provider' and m.active),(select count(*) from team_mapping.outbox_messages),(select coalesce(sum(affiliations_version),0) from team_mapping.users where provider_id='$provider')")
  echo "$(date +%H:%M:%S),$a,$b,$c,$(queued)"
  sleep "$every"
done
