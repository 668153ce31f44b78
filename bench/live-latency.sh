#!/usr/bin/env bash
# Delay from a target's output to live WebSocket viewers (median and p99), with 1 and 50 viewers
# on one busy session; real sshd target, real ssh client, the bastion in one JVM with the viewers.
#
#   bench/live-latency.sh [SECONDS_PER_RUN]     default 10
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mvn -B -q install -DskipTests
mvn -B -q -pl bastion test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt
if [[ $(id -u) -eq 0 ]]; then mkdir -p /run/sshd; fi
exec java -cp "bastion/target/test-classes:bastion/target/classes:$(cat bastion/target/bench-classpath.txt)" \
  -Dbastion.log.level=WARN dev.bastion.bench.LiveLatency "${1:-10}"
