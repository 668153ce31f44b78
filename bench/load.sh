#!/usr/bin/env bash
# Many interactive sessions at once through the bastion to a real OpenSSH sshd on loopback: each
# session types a line a second and times its echo; a smaller group does the same straight to the
# sshd in the same run. Prints sessions held (and failures), the bastion's live heap and resident
# set per session after a full GC (minus a warmed-up baseline with no session), its thread count,
# and echo latency through the bastion and direct (median, p99). One JVM drives all sessions
# (dev.bastion.bench.LoadDriver, MINA SshClient, asynchronous channels).
#
#   bench/load.sh [SESSIONS] [SECONDS] [DIRECT_SESSIONS]     defaults: 200 30 50
#
# BASTION_JAR=path runs another build of the bastion (e.g. an older commit) with this driver.
# BASTION_BENCH_JVM_OPTS are passed to the bastion's JVM. Needs java (with jcmd), sshd
# (/usr/sbin/sshd), root or a login account for sshd. Everything runs on 127.0.0.1, is bounded
# (the driver gets 15 minutes at most) and stops and cleans up when the script ends.
set -euo pipefail
sessions=${1:-200}
seconds=${2:-30}
direct=${3:-50}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init bastion-load
cd "$root"
if [[ ! -f bastion/target/test-classes/dev/bastion/bench/LoadDriver.class || ! -f bastion/target/bench-classpath.txt || -n "${BENCH_BUILD:-}" ]]; then
  mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt
fi
ulimit -n "$(ulimit -Hn)"
(( $(ulimit -n) > 4 * sessions + 1000 )) || { echo "ulimit -n $(ulimit -n) is too low for $sessions sessions" >&2; exit 1; }

data="$work/data"
bench_login
java -jar "$jar" ca init --data-dir "$data" >/dev/null
target_port=$(free_port)
sshd_extra="UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups $((sessions + direct + 100))
MaxSessions 10
LogLevel ERROR" start_sshd target "$target_port"

bastion_port=$(free_port)
web_port=$(free_port)
cat > "$data/bastion.yaml" <<CFG
ssh:
  listen: 127.0.0.1:$bastion_port
  max_sessions: $((sessions + 100))
  max_sessions_per_identity: $((sessions + 100))
  # every simulated engineer connects from 127.0.0.1 at once
  throttle: {connections: 100000, failed_logins: 100000, unauthenticated: $((sessions + 100))}
web:
  listen: 127.0.0.1:$web_port
targets:
  web01:
    address: 127.0.0.1:$target_port
    host_key: "$(cat "$work/target_host_key.pub")"
    logins: [$login]
roles:
  ops:
    targets: ["*"]
    logins: [$login]
CFG
java ${BASTION_BENCH_JVM_OPTS:-} -jar "$jar" serve --data-dir "$data" > "$work/bastion.log" 2>&1 & pids+=($!)
bastion_pid=$!
wait_port "$bastion_port"

ssh-keygen -q -t ed25519 -N '' -f "$work/id_user"
java -jar "$jar" cert issue --data-dir "$data" --key "$work/id_user.pub" --identity bench@example.com --principals ops 2>/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$work/id_direct"
ssh-keygen -q -s "$data/ca/upstream_ca" -I bench-direct -n "$login" -V -5m:+2h "$work/id_direct.pub"

echo "$sessions sessions through the bastion ($(basename "$jar"), pid $bastion_pid), $direct direct, typing for ${seconds}s; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
timeout 900 java -Xss512k -cp "bastion/target/test-classes:bastion/target/classes:$(cat bastion/target/bench-classpath.txt)" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dbastion.log.level=WARN \
  dev.bastion.bench.LoadDriver "$bastion_port" "$login@web01" "$work/id_user" "$target_port" "$login" \
  "$work/id_direct" "$bastion_pid" "$sessions" "$direct" "$seconds" "$work" & pids+=($!)
wait $! || { echo "driver failed; bastion log tail:" >&2; tail -20 "$work/bastion.log" >&2; exit 1; }
echo "what grew in the bastion's heap, per session (class histograms after full GC, with $sessions sessions minus none):"
cat "$work/growth-$sessions.txt"
echo "bastion log: $(grep -c ' ERROR ' "$work/bastion.log" || true) ERROR lines, $(grep -c ' WARN ' "$work/bastion.log" || true) WARN lines (closing all sessions at the end logs some)"
grep ' ERROR ' "$work/bastion.log" | cut -c1-300 | sort | uniq | head -5 || true
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
