#!/usr/bin/env bash
# A private RabbitMQ node run as a foreground child of the AppHost (no Docker), with its own epmd.
# Env: RABBITMQ_NODE_PORT, RABBITMQ_DIST_PORT, ERL_EPMD_PORT (from AppHost endpoints), BIFROST_RABBIT_DIR,
#      BIFROST_RABBIT_USER, BIFROST_RABBIT_PASSWORD, BIFROST_EPHEMERAL=1 to delete the folder on stop.
set -euo pipefail
: "${RABBITMQ_NODE_PORT:?}" "${RABBITMQ_DIST_PORT:?}" "${ERL_EPMD_PORT:?}" "${BIFROST_RABBIT_DIR:?}"
: "${BIFROST_RABBIT_USER:=guest}" "${BIFROST_RABBIT_PASSWORD:?}"

server=/usr/lib/rabbitmq/bin/rabbitmq-server
[ -x "$server" ] || { echo "RabbitMQ not found: apt-get install -y rabbitmq-server" >&2; exit 1; }

dir="$BIFROST_RABBIT_DIR"
mkdir -p "$dir/home" "$dir/mnesia" "$dir/log" "$dir/plugins-expand"
# classic_queue.default_version = 2: queues declared from now on use the CQv2 index and message store (opt-in in 3.10,
# recommended for new deployments from 3.13). RabbitMQ spent 0.22-0.27 ms of CPU per SCIM create with it against 0.26-0.29 with v1
# (BENCHMARKS.md, session 17). Queues a node already has keep their version.
cat > "$dir/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$RABBITMQ_NODE_PORT
default_user = $BIFROST_RABBIT_USER
default_pass = $BIFROST_RABBIT_PASSWORD
loopback_users = none
classic_queue.default_version = 2
CONF
: > "$dir/rabbitmq-env.conf"
echo '[].' > "$dir/enabled_plugins"

export HOME="$dir/home"
export RABBITMQ_NODENAME="${BIFROST_RABBIT_NODENAME:-bifrost}@localhost"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_MNESIA_BASE="$dir/mnesia"
export RABBITMQ_LOG_BASE="$dir/log"
export RABBITMQ_LOGS=-
export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
export RABBITMQ_PLUGINS_EXPAND_DIR="$dir/plugins-expand"
export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
export ERL_CRASH_DUMP="$dir/erl_crash.dump"
# +MMscs 1024 +MMsco false: the Erlang allocators take their carriers from a 1 GB super carrier (address space; only what
# is touched is resident), falling back to mmap beyond it. Without it about a fifth of the node's CPU under load went to
# page faults and munmap as carriers were unmapped and mapped again; with it RabbitMQ spent 0.26-0.28 ms of CPU per SCIM
# create instead of 0.36-0.44 (BENCHMARKS.md, session 16).
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} +MMscs 1024 +MMsco false"

# Our own epmd in the foreground (the default one daemonises and outlives the node).
epmd -port "$ERL_EPMD_PORT" -address 127.0.0.1 &
epmd_pid=$!
sleep 0.2

"$server" &
pid=$!

# default_user only applies to a brand-new node: on a node that already has data, set this run's password.
# The helper writes nothing to our stdout (a reader of it waits for every holder to close it), gives up as soon as the
# node is gone, and never starts an epmd of its own (rabbitmqctl would daemonise one that outlives the node).
(
  export ERL_FLAGS="-start_epmd false"
  ctl=/usr/lib/rabbitmq/bin/rabbitmqctl
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || exit 0
    "$ctl" -q -n "$RABBITMQ_NODENAME" await_startup --timeout 5 && break
    sleep 1
  done
  kill -0 "$pid" 2>/dev/null || exit 0
  "$ctl" -q -n "$RABBITMQ_NODENAME" change_password "$BIFROST_RABBIT_USER" "$BIFROST_RABBIT_PASSWORD" \
    || { "$ctl" -q -n "$RABBITMQ_NODENAME" add_user "$BIFROST_RABBIT_USER" "$BIFROST_RABBIT_PASSWORD" \
         && "$ctl" -q -n "$RABBITMQ_NODENAME" set_permissions -p / "$BIFROST_RABBIT_USER" ".*" ".*" ".*"; }
) >/dev/null 2>&1 </dev/null &
helper_pid=$!

stop_helper() {
  # Freeze it so it cannot start another command, end what it runs, then end it.
  kill -STOP "$helper_pid" 2>/dev/null || return 0
  pkill -TERM -P "$helper_pid" 2>/dev/null || true
  kill -TERM "$helper_pid" 2>/dev/null || true
  kill -CONT "$helper_pid" 2>/dev/null || true
}

stop() {
  stop_helper
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  kill -TERM "$epmd_pid" 2>/dev/null || true
  wait "$epmd_pid" 2>/dev/null || true
  [ "${BIFROST_EPHEMERAL:-0}" = 1 ] && rm -rf "$dir"
  exit 0
}
trap stop TERM INT
wait "$pid" || true
stop_helper
kill -TERM "$epmd_pid" 2>/dev/null || true
