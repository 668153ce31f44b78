#!/usr/bin/env bash
# Two bastion nodes as one fleet behind a TCP load balancer (HAProxy, round robin, health checks
# on /readyz), against one node, in the same run: the same interactive load (bench/load.sh's
# driver: every session types a line a second and times its echo) first straight to node A alone,
# then through the balancer to both nodes. Prints sessions held and echo latency for each, and
# how the balancer spread the sessions. Both nodes share one PostgreSQL server (Debian's, started
# here in a temporary directory as user postgres) and one Hazelcast cluster on loopback.
#
#   bench/fleet.sh [SESSIONS] [SECONDS]     defaults: 200 30
#
# Needs java, sshd, haproxy and postgresql (Debian packages), root (for the postgres and sshd
# accounts). Everything runs on 127.0.0.1 and is cleaned up when the script ends.
set -euo pipefail
sessions=${1:-200}
seconds=${2:-30}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init bastion-fleet
cd "$root"
[[ -f bastion/target/test-classes/dev/bastion/bench/LoadDriver.class && -f bastion/target/bench-classpath.txt ]] ||
  mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt
command -v haproxy >/dev/null || { echo "haproxy is missing: apt-get install haproxy" >&2; exit 1; }
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
[[ -x "$pg_bin/initdb" ]] || { echo "PostgreSQL is missing: apt-get install postgresql" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"
bench_login
chmod 755 "$work"

# PostgreSQL in $work/pg, as user postgres, on a free port; database and user "bastion".
pg_port=$(free_port)
install -d -o postgres -m 700 "$work/pg"
install -m 600 -o postgres /dev/null "$work/pg.password" && echo postgres-bench > "$work/pg.password"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg" -A scram-sha-256 --pwfile="$work/pg.password" >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=50" start >/dev/null
trap 'runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true; bench_cleanup' EXIT
PGPASSWORD=postgres-bench "$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres \
  -c "CREATE USER bastion PASSWORD 'bastion-bench'" -c "CREATE DATABASE bastion OWNER bastion"
install -m 600 /dev/null "$work/db.password" && echo bastion-bench > "$work/db.password"

# Node A makes the CAs; node B gets a copy, as an operator would copy ca/.
data="$work/node-a"
java -jar "$jar" ca init --data-dir "$data" >/dev/null
install -d -m 700 "$work/node-b" && cp -a "$data/ca" "$work/node-b/ca"
target_port=$(free_port)
sshd_extra="MaxStartups $((2 * sessions + 100))
MaxSessions 10
LogLevel ERROR" start_sshd target "$target_port"
cluster_port() { # a free port whose next port is free too (Hazelcast, then the event bus)
  local p
  while :; do p=$(free_port); ((p < 65000)) && ! (echo >/dev/tcp/127.0.0.1/$((p + 1))) 2>/dev/null && { echo "$p"; return; }; done
}
hz_a=$(cluster_port) hz_b=$(cluster_port)
node() { # node NAME SSH_PORT WEB_PORT HAZELCAST_PORT: starts a node, its log in $work/NAME.log
  cat > "$work/$1/bastion.yaml" <<CFG
$(bastion_config "$2" "$3" | sed 's/^  throttle: .*/  throttle: {connections: 100000, failed_logins: 100000, unauthenticated: '$((sessions + 100))'}\n  max_sessions: '$((sessions + 100))'\n  max_sessions_per_identity: '$((sessions + 100))'/')
database:
  url: jdbc:postgresql://127.0.0.1:$pg_port/bastion
  user: bastion
  password_file: $work/db.password
cluster:
  name: $1
  listen: 127.0.0.1:$4
  members: [127.0.0.1:$hz_a, 127.0.0.1:$hz_b]
CFG
  java ${BASTION_BENCH_JVM_OPTS:-} -jar "$jar" serve --data-dir "$work/$1" > "$work/$1.log" 2>&1 & pids+=($!)
}
ssh_a=$(free_port) web_a=$(free_port) ssh_b=$(free_port) web_b=$(free_port)
node node-a "$ssh_a" "$web_a" "$hz_a"
pid_a=$!
node node-b "$ssh_b" "$web_b" "$hz_b"
pid_b=$!
ready() { for _ in $(seq 600); do curl -fs "http://127.0.0.1:$1/readyz" >/dev/null && return 0; sleep 0.1; done; echo "node on web port $1 never became ready" >&2; tail -20 "$work"/node-*.log >&2; exit 1; }
ready "$web_a"
ready "$web_b"

# The balancer: TCP round robin over both nodes' SSH ports, a node counted up while /readyz is 200.
lb_port=$(free_port)
stats_sock="$work/haproxy.sock"
cat > "$work/haproxy.cfg" <<CFG
global
  maxconn $((4 * sessions + 100))
  stats socket $stats_sock mode 600 level admin
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
frontend ssh
  bind 127.0.0.1:$lb_port
  default_backend bastions
backend bastions
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 2s fall 2 rise 2
  server node-a 127.0.0.1:$ssh_a check port $web_a
  server node-b 127.0.0.1:$ssh_b check port $web_b
CFG
haproxy -f "$work/haproxy.cfg" -db > "$work/haproxy.log" 2>&1 & pids+=($!)
wait_port "$lb_port"

ssh-keygen -q -t ed25519 -N '' -f "$work/id_user"
java -jar "$jar" cert issue --data-dir "$data" --key "$work/id_user.pub" --identity bench@example.com --principals ops 2>/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$work/id_direct"
ssh-keygen -q -s "$data/ca/upstream_ca" -I bench-direct -n "$login" -V -5m:+2h "$work/id_direct.pub"

drive() { # drive PORT LABEL: the load driver against PORT, its output in $work/LABEL.txt
  echo "== $2: $sessions sessions for ${seconds}s; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  mkdir -p "$work/$2"
  timeout 900 java -Xss512k -cp "bastion/target/test-classes:bastion/target/classes:$(cat bastion/target/bench-classpath.txt)" \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dbastion.log.level=WARN \
    dev.bastion.bench.LoadDriver "$1" "$login@web01" "$work/id_user" "$target_port" "$login" \
    "$work/id_direct" "$pid_a" "$sessions" 20 "$seconds" "$work/$2" | tee "$work/$2.txt"
}
live_on() { # live sessions per node right now, from the shared database
  PGPASSWORD=bastion-bench "$pg_bin/psql" -qtA -h 127.0.0.1 -p "$pg_port" -U bastion -d bastion \
    -c "SELECT coalesce(string_agg(n || ': ' || c, ', '), 'none') FROM (SELECT node AS n, count(*) AS c FROM sessions WHERE state = 'live' GROUP BY node ORDER BY node) s"
}
drive "$ssh_a" one-node
drive "$lb_port" two-nodes &
driver=$!
# The spread at the busiest moment: the most live sessions seen in the shared database.
spread="none" most=0
while kill -0 "$driver" 2>/dev/null; do
  now=$(live_on || echo none)
  total=$({ grep -o ': [0-9]*' <<<"$now" || true; } | awk '{s += $2} END {print s + 0}')
  if ((${total:-0} > most)); then most=$total spread=$now; fi
  sleep 2
done
wait "$driver"

pick() { grep -m1 "$1" "$work/$2.txt" | sed "s/^$1//"; }
echo
echo "== summary ($sessions sessions, ${seconds}s of typing, 2 cores shared by driver, nodes, balancer, PostgreSQL)"
printf '%-34s %s\n' "one node, sessions held:" "$(pick 'sessions through the bastion: ' one-node)"
printf '%-34s %s\n' "two nodes + HAProxy, held:" "$(pick 'sessions through the bastion: ' two-nodes)"
printf '%-34s %s\n' "one node, echo latency:" "$(pick 'echo latency through the bastion: ' one-node)"
printf '%-34s %s\n' "two nodes + HAProxy, echo latency:" "$(pick 'echo latency through the bastion: ' two-nodes)"
printf '%-34s %s\n' "direct to sshd, echo latency:" "$(pick 'echo latency direct to sshd:      ' two-nodes)"
printf '%-34s %s\n' "live sessions per node (busiest):" "$spread"
echo "ERROR lines in the node logs: node-a $(grep -c ' ERROR ' "$work/node-a.log" || true), node-b $(grep -c ' ERROR ' "$work/node-b.log" || true)"
