#!/usr/bin/env bash
# How large recordings of binary output get: runs `head -c SIZE /dev/zero` and
# `head -c SIZE /dev/urandom` through the bastion as exec sessions without a terminal
# (`ssh LOGIN@web01@bastion 'head -c ...'`) and prints the size of each session's recording file.
#
#   bench/binary-output.sh [SIZE ...]          default sizes: 20M 200M (zeros), 20M (random)
#
# BASTION_JAR=path measures another build of the jar (e.g. the one before a change).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init bastion-bench
data="$work/data"
bench_login
java -jar "$jar" ca init --data-dir "$data" >/dev/null
target_port=$(free_port); start_sshd target "$target_port"
bastion_port=$(free_port)
web_port=$(free_port)
bastion_config "$bastion_port" "$web_port" > "$data/bastion.yaml"
java -jar "$jar" serve --data-dir "$data" > "$work/bastion.log" 2>&1 & pids+=($!)
wait_port "$bastion_port"
user_certificate
echo "@cert-authority [127.0.0.1]:$bastion_port $(cat "$data/ca/host_ca.pub")" > "$work/known_hosts"
ssh_opts=(-F /dev/null -p "$bastion_port" -i "$work/id_user" -o IdentitiesOnly=yes -o BatchMode=yes
  -o UserKnownHostsFile="$work/known_hosts" -o StrictHostKeyChecking=yes)

run() { # SOURCE SIZE
  local before file
  before=$(recordings)
  ssh "${ssh_opts[@]}" "$login@web01@127.0.0.1" "head -c $2 $1" > /dev/null
  file=$(sealed_since "$before" | head -1)
  printf '%-28s %14s bytes  %s\n' "head -c $2 $1" "$(stat -c %s "$file")" "${file##*/}"
}
if (($# == 0)); then
  run /dev/zero 20M; run /dev/urandom 20M; run /dev/zero 200M
else
  for size in "$@"; do run /dev/zero "$size"; run /dev/urandom "$size"; done
fi
