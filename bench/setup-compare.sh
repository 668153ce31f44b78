#!/usr/bin/env bash
# Connection setup only, several builds of the bastion side by side with an OpenSSH ProxyJump host:
# one target sshd, one jump sshd, one bastion per jar (each with its own data directory, all with
# the same CAs). Each iteration times one "ssh HOST true" per path, in rotating order, so that
# load from other work on the machine hits every path alike; prints medians and the median of the
# per-iteration ratios.
#
#   bench/setup-compare.sh NEW_WORK_DIR ITERATIONS 1 NAME=JAR [NAME=JAR ...]
#   e.g. bench/setup-compare.sh /tmp/cmp 40 1 before=/tmp/before.jar after=bastion/target/bastion.jar
#
# Needs what bench/gateway.sh needs; run as root (it uses the bastiontest login account).
set -euo pipefail
work=$1; rounds=$2; runs=$3; shift 3
mkdir "$work"  # a new directory; it keeps logs and keys for a look afterwards
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
data="$work/data"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_login
first_jar=${1#*=}
java -jar "$first_jar" ca init --data-dir "$data" >/dev/null
target_port=$(free_port); start_sshd target "$target_port"
jump_port=$(free_port); start_sshd jump "$jump_port"
ssh-keygen -q -t ed25519 -N '' -f "$work/id_user"
ssh-keygen -q -t ed25519 -N '' -f "$work/id_direct"
ssh-keygen -q -s "$data/ca/upstream_ca" -I bench-direct -n "$login" -V -5m:+2h "$work/id_direct.pub"
{
  echo "[127.0.0.1]:$target_port $(cat "$work/target_host_key.pub")"
  echo "[127.0.0.1]:$jump_port $(cat "$work/jump_host_key.pub")"
} > "$work/known_hosts"
cat > "$work/ssh_config" <<CFG
Host proxyjump
  HostName 127.0.0.1
  Port $target_port
  User $login
  IdentityFile $work/id_direct
  ProxyJump jump
Host jump
  HostName 127.0.0.1
  Port $jump_port
  User $login
  IdentityFile $work/id_direct
CFG
paths=(proxyjump)
for spec in "$@"; do
  name=${spec%%=*}; jar=${spec#*=}
  port=$(free_port); wport=$(free_port)
  cat > "$work/$name.yaml" <<CFG
ssh:
  listen: 127.0.0.1:$port
web:
  listen: 127.0.0.1:$wport
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
  # Each bastion holds its own audit database; all share the CAs.
  mkdir -m 700 "$work/$name-data" && cp -a "$data/ca" "$work/$name-data/"
  java ${JVM_OPTS:-} -jar "$jar" serve --data-dir "$work/$name-data" --config "$work/$name.yaml" > "$work/$name.log" 2>&1 & pids+=($!)
  wait_port "$port"
  echo "@cert-authority [127.0.0.1]:$port $(cat "$data/ca/host_ca.pub")" >> "$work/known_hosts"
  cat >> "$work/ssh_config" <<CFG
Host $name
  HostName 127.0.0.1
  Port $port
  User $login@web01
  IdentityFile $work/id_user
CFG
  paths+=("$name")
done
java -jar "$first_jar" cert issue --data-dir "$data" --key "$work/id_user.pub" --identity bench@example.com --principals ops 2>/dev/null
cat >> "$work/ssh_config" <<CFG
Host *
  IdentitiesOnly yes
  IdentityAgent none
  BatchMode yes
  UserKnownHostsFile $work/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
CFG
now() { date +%s%N; }
setup() { local t0 t1; t0=$(now); for _ in $(seq "$runs"); do ssh -F "$work/ssh_config" "$1" true; done; t1=$(now); echo $(( (t1 - t0) / runs / 1000000 )); }
echo "warming up"; for p in "${paths[@]}"; do ssh -F "$work/ssh_config" "$p" "head -c 100000000 /dev/zero" >/dev/null; for _ in 1 2 3 4 5; do ssh -F "$work/ssh_config" "$p" true; done; done
# interleaved: each iteration runs every path once, in rotating order; rounds = iterations here
out="$work/times.txt"; : > "$out"
n=${#paths[@]}
for r in $(seq "$rounds"); do
  for k in $(seq 0 $((n - 1))); do
    p=${paths[$(( (r + k) % n ))]}
    t0=$(date +%s%N); ssh -F "$work/ssh_config" "$p" true; t1=$(date +%s%N)
    echo "$r $p $(( (t1 - t0) / 1000 ))" >> "$out"
  done
done
python3 - "$out" "${paths[@]}" <<'PY'
import sys, statistics
out, paths = sys.argv[1], sys.argv[2:]
t = {}
for line in open(out):
    r, p, us = line.split(); t.setdefault(int(r), {})[p] = int(us) / 1000
rows = [v for v in t.values() if len(v) == len(paths)]
print("iterations", len(rows))
for p in paths:
    xs = [v[p] for v in rows]
    print("%-10s median %6.0f ms  p25 %6.0f  p75 %6.0f" % (p, statistics.median(xs), statistics.quantiles(xs, n=4)[0], statistics.quantiles(xs, n=4)[2]))
for p in paths[1:]:
    ratios = [v[p] / v["proxyjump"] for v in rows]
    print("%-10s / proxyjump: median of per-iteration ratios %.2f, ratio of medians %.2f" % (p, statistics.median(ratios), statistics.median([v[p] for v in rows]) / statistics.median([v["proxyjump"] for v in rows])))
PY
