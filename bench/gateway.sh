#!/usr/bin/env bash
# Throughput and connection setup through the bastion, side by side with OpenSSH direct and an
# OpenSSH ProxyJump host, in one run on loopback; and the bastion once more with session recording
# switched off, to show what recording costs. Prints medians and ratios.
#
#   bench/gateway.sh [SIZE_MB] [ROUNDS] [SETUP_RUNS]     defaults: 1000 3 10
#
# Needs: java, ssh, sshd (/usr/sbin/sshd), and root or a login account for sshd. Builds the jar if
# missing (mvn package, never install); BASTION_JAR=path measures another build of the jar (e.g. the
# one before a change). Everything runs on 127.0.0.1 and stops when the script ends.
set -euo pipefail
size_mb=${1:-1000}
rounds=${2:-3}
setup_runs=${3:-10}
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
jump_port=$(free_port); start_sshd jump "$jump_port"
bastion_port=$(free_port)
norec_port=$(free_port)

web_port=$(free_port)
norec_web_port=$(free_port)
cat > "$data/bastion.yaml" <<CFG
ssh:
  listen: 127.0.0.1:$bastion_port
  # the benchmark logs in from 127.0.0.1 over and over
  throttle: {connections: 100000, failed_logins: 100000}
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
# The same bastion without recording (a benchmark-only switch), with the same CAs in a data
# directory of its own (one process holds an audit database).
sed -e "s/listen: 127.0.0.1:$bastion_port/listen: 127.0.0.1:$norec_port/" \
    -e "s/listen: 127.0.0.1:$web_port/listen: 127.0.0.1:$norec_web_port/" "$data/bastion.yaml" > "$work/norec.yaml"
mkdir -m 700 "$work/norec-data" && cp -a "$data/ca" "$work/norec-data/"
java ${BASTION_BENCH_JVM_OPTS:-} -Dbastion.recording=off -jar "$jar" serve --data-dir "$work/norec-data" --config "$work/norec.yaml" \
  > "$work/norec.log" 2>&1 & pids+=($!)
norec_pid=$!
wait_port "$norec_port"

ssh-keygen -q -t ed25519 -N '' -f "$work/id_user"
java -jar "$jar" cert issue --data-dir "$data" --key "$work/id_user.pub" --identity bench@example.com --principals ops 2>/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$work/id_direct"
ssh-keygen -q -s "$data/ca/upstream_ca" -I bench-direct -n "$login" -V -5m:+2h "$work/id_direct.pub"
{
  echo "[127.0.0.1]:$target_port $(cat "$work/target_host_key.pub")"
  echo "[127.0.0.1]:$jump_port $(cat "$work/jump_host_key.pub")"
  echo "@cert-authority [127.0.0.1]:$bastion_port $(cat "$data/ca/host_ca.pub")"
  echo "@cert-authority [127.0.0.1]:$norec_port $(cat "$data/ca/host_ca.pub")"
} > "$work/known_hosts"
cat > "$work/ssh_config" <<CFG
Host direct
  HostName 127.0.0.1
  Port $target_port
  User $login
  IdentityFile $work/id_direct
Host jump
  HostName 127.0.0.1
  Port $jump_port
  User $login
  IdentityFile $work/id_direct
Host proxyjump
  HostName 127.0.0.1
  Port $target_port
  User $login
  IdentityFile $work/id_direct
  ProxyJump jump
Host bastion
  HostName 127.0.0.1
  Port $bastion_port
  User $login@web01
  IdentityFile $work/id_user
Host norec
  HostName 127.0.0.1
  Port $norec_port
  User $login@web01
  IdentityFile $work/id_user
Host *
  IdentitiesOnly yes
  IdentityAgent none
  BatchMode yes
  UserKnownHostsFile $work/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
CFG

bytes=$((size_mb * 1000 * 1000))
payload="yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ | head -c $bytes"
now() { date +%s.%N; }
transfer() { # host -> seconds
  local t0 t1; t0=$(now); ssh -F "$work/ssh_config" "$1" "$payload" > /dev/null; t1=$(now)
  echo "$t1 - $t0" | bc -l
}
upload() { # host -> seconds
  local t0 t1; t0=$(now); head -c "$bytes" /dev/zero | ssh -F "$work/ssh_config" "$1" 'cat > /dev/null'; t1=$(now)
  echo "$t1 - $t0" | bc -l
}
setup() { # host -> mean seconds of `ssh host true`
  local t0 t1; t0=$(now); for _ in $(seq "$setup_runs"); do ssh -F "$work/ssh_config" "$1" true; done; t1=$(now)
  echo "($t1 - $t0) / $setup_runs" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

paths=(direct proxyjump bastion norec)
echo "warming up (JIT of the bastion, caches) ..."
for p in "${paths[@]}"; do ssh -F "$work/ssh_config" "$p" "head -c 200000000 /dev/zero" > /dev/null; setup "$p" > /dev/null; done

cpu_seconds() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat"; }
declare -A down up conn cpu
cpu[bastion]=0; cpu[norec]=0
for r in $(seq "$rounds"); do
  for p in "${paths[@]}"; do
    case $p in bastion) before=$(cpu_seconds "$bastion_pid");; norec) before=$(cpu_seconds "$norec_pid");; esac
    down[$p]+="$(transfer "$p") "
    case $p in
      bastion) cpu[bastion]=$(echo "${cpu[bastion]} + $(cpu_seconds "$bastion_pid") - $before" | bc -l);;
      norec) cpu[norec]=$(echo "${cpu[norec]} + $(cpu_seconds "$norec_pid") - $before" | bc -l);;
    esac
    up[$p]+="$(upload "$p") "
    conn[$p]+="$(setup "$p") "
  done
done

printf '\n%s MB each way, %s rounds (median), setup = mean of %s x "ssh HOST true", OpenSSH %s\n\n' \
  "$size_mb" "$rounds" "$setup_runs" "$(ssh -V 2>&1 | cut -d' ' -f1)"
printf '%-10s %14s %14s %12s\n' path "download MB/s" "upload MB/s" "setup ms"
declare -A dmbs umbs sms
for p in "${paths[@]}"; do
  d=$(echo "${down[$p]}" | tr ' ' '\n' | grep . | median)
  u=$(echo "${up[$p]}" | tr ' ' '\n' | grep . | median)
  s=$(echo "${conn[$p]}" | tr ' ' '\n' | grep . | median)
  dmbs[$p]=$(echo "$size_mb / $d" | bc -l); umbs[$p]=$(echo "$size_mb / $u" | bc -l); sms[$p]=$(echo "$s * 1000" | bc -l)
  printf '%-10s %14.0f %14.0f %12.0f\n' "$p" "${dmbs[$p]}" "${umbs[$p]}" "${sms[$p]}"
done
printf '\nratios bastion / proxyjump: download %.2fx, upload %.2fx, setup time %.2fx (lower is faster)\n' \
  "$(echo "${dmbs[bastion]} / ${dmbs[proxyjump]}" | bc -l)" \
  "$(echo "${umbs[bastion]} / ${umbs[proxyjump]}" | bc -l)" \
  "$(echo "${sms[bastion]} / ${sms[proxyjump]}" | bc -l)"
printf 'ratios bastion / direct:    download %.2fx, upload %.2fx, setup time %.2fx\n' \
  "$(echo "${dmbs[bastion]} / ${dmbs[direct]}" | bc -l)" \
  "$(echo "${umbs[bastion]} / ${umbs[direct]}" | bc -l)" \
  "$(echo "${sms[bastion]} / ${sms[direct]}" | bc -l)"
printf 'recording cost (bastion / norec): download %.2fx, upload %.2fx (1.00x = free)\n' \
  "$(echo "${dmbs[bastion]} / ${dmbs[norec]}" | bc -l)" \
  "$(echo "${umbs[bastion]} / ${umbs[norec]}" | bc -l)"
gb=$(echo "$size_mb * $rounds / 1000" | bc -l)
printf 'bastion CPU per GB downloaded: %.2f s with recording, %.2f s without\n' \
  "$(echo "${cpu[bastion]} / $gb" | bc -l)" "$(echo "${cpu[norec]} / $gb" | bc -l)"
