#!/usr/bin/env bash
# How large recordings of binary output get: runs `head -c SIZE /dev/zero` and
# `head -c SIZE /dev/urandom` through the bastion as exec sessions without a terminal
# (`ssh LOGIN@web01@bastion 'head -c ...'`) and prints each session's .cast size.
#
#   bench/binary-output.sh [SIZE ...]          default sizes: 20M 200M (zeros), 20M (random)
#
# BASTION_JAR=path measures another build of the jar (e.g. the one before a change).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="${BASTION_JAR:-$root/bastion/target/bastion.jar}"
[[ -f "$jar" ]] || (cd "$root" && mvn -B -q -DskipTests package)

work=$(mktemp -d /tmp/bastion-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

data="$work/data"
source "$root/bench/lib.sh"
bench_login
java -jar "$jar" ca init --data-dir "$data" >/dev/null
target_port=$(free_port); start_sshd target "$target_port"
bastion_port=$(free_port)
web_port=$(free_port)
cat > "$data/bastion.yaml" <<CFG
ssh:
  listen: 127.0.0.1:$bastion_port
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
java -jar "$jar" serve --data-dir "$data" > "$work/bastion.log" 2>&1 & pids+=($!)
wait_port "$bastion_port"
ssh-keygen -q -t ed25519 -N '' -f "$work/id_user"
java -jar "$jar" cert issue --data-dir "$data" --key "$work/id_user.pub" --identity bench@example.com --principals ops 2>/dev/null
echo "@cert-authority [127.0.0.1]:$bastion_port $(cat "$data/ca/host_ca.pub")" > "$work/known_hosts"
ssh_opts=(-F /dev/null -p "$bastion_port" -i "$work/id_user" -o IdentitiesOnly=yes -o BatchMode=yes
  -o UserKnownHostsFile="$work/known_hosts" -o StrictHostKeyChecking=yes)

run() { # SOURCE SIZE
  local before after
  before=$( (find "$data/recordings" -name '*.cast' 2>/dev/null || true) | sort)
  ssh "${ssh_opts[@]}" "$login@web01@127.0.0.1" "head -c $2 $1" > /dev/null
  sleep 1 # the seal is written after the client has its exit status
  after=$(find "$data/recordings" -name '*.cast' | sort)
  local cast
  cast=$(comm -13 <(echo "$before") <(echo "$after") | head -1)
  printf '%-28s %14s bytes\n' "head -c $2 $1" "$(stat -c %s "$cast")"
}
if (($# == 0)); then
  run /dev/zero 20M; run /dev/urandom 20M; run /dev/zero 200M
else
  for size in "$@"; do run /dev/zero "$size"; run /dev/urandom "$size"; done
fi
