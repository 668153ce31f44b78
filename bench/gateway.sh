#!/usr/bin/env bash
# Throughput and connection setup through the bastion, side by side with OpenSSH direct and an
# OpenSSH ProxyJump host, in one run on loopback; and the bastion once more with session recording
# switched off, to show what recording costs (throughput and the bastion's CPU per GB). Then the
# size of the recording on disk per GB of output for four workloads through the recording bastion:
# printable text from `yes`, log-like lines, random printable bytes (exec sessions without a
# terminal) and `top` redrawing its screen (a session with a terminal, `ssh -tt`). Prints medians,
# ratios and a summary block in Markdown to paste into docs/BENCHMARKS.md.
#
#   bench/gateway.sh [SIZE_MB] [ROUNDS] [SETUP_RUNS] [RECORD_MB] [TOP_FRAMES]
#                                                  defaults: 1000 3 10 100 100
#
# SIZE_MB each way per round and path; RECORD_MB per text workload for the recording sizes;
# TOP_FRAMES screens of `top -d 0.1` (about 0.11 s each).
#
# Needs: java, ssh, sshd (/usr/sbin/sshd), top, awk, and root or a login account for sshd. Builds
# the jar if missing (mvn package, never install); BASTION_JAR=path measures another build of the
# jar (e.g. the one before a change); BASTION_BENCH_JVM_OPTS are passed to both bastions' JVMs.
# Everything runs on 127.0.0.1 and stops when the script ends.
set -euo pipefail
size_mb=${1:-1000}
rounds=${2:-3}
setup_runs=${3:-10}
record_mb=${4:-100}
top_frames=${5:-100}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init bastion-bench
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
data="$work/data"
bench_login
java -jar "$jar" ca init --data-dir "$data" >/dev/null
target_port=$(free_port); start_sshd target "$target_port"
jump_port=$(free_port); start_sshd jump "$jump_port"
bastion_port=$(free_port)
norec_port=$(free_port)
web_port=$(free_port)
norec_web_port=$(free_port)
bastion_config "$bastion_port" "$web_port" > "$data/bastion.yaml"
java ${BASTION_BENCH_JVM_OPTS:-} -jar "$jar" serve --data-dir "$data" > "$work/bastion.log" 2>&1 & pids+=($!)
bastion_pid=$!
wait_port "$bastion_port"
# The same bastion without recording (a benchmark-only switch), with the same CAs in a data
# directory of its own (one process holds an audit database).
bastion_config "$norec_port" "$norec_web_port" > "$work/norec.yaml"
mkdir -m 700 "$work/norec-data" && cp -a "$data/ca" "$work/norec-data/"
java ${BASTION_BENCH_JVM_OPTS:-} -Dbastion.recording=off -jar "$jar" serve --data-dir "$work/norec-data" --config "$work/norec.yaml" \
  > "$work/norec.log" 2>&1 & pids+=($!)
norec_pid=$!
wait_port "$norec_port"

user_certificate
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

# The bastion's CPU seconds in user and kernel mode (utime, stime of /proc/PID/stat).
cpu_times() { awk '{print $14 / 100, $15 / 100}' "/proc/$1/stat"; }
declare -A down up conn pid=([bastion]=$bastion_pid [norec]=$norec_pid) user=([bastion]=0 [norec]=0) sys=([bastion]=0 [norec]=0)
for r in $(seq "$rounds"); do
  for p in "${paths[@]}"; do
    [[ -n "${pid[$p]:-}" ]] && read -r u0 s0 < <(cpu_times "${pid[$p]}")
    down[$p]+="$(transfer "$p") "
    if [[ -n "${pid[$p]:-}" ]]; then
      read -r u1 s1 < <(cpu_times "${pid[$p]}")
      user[$p]=$(echo "${user[$p]} + $u1 - $u0" | bc -l); sys[$p]=$(echo "${sys[$p]} + $s1 - $s0" | bc -l)
    fi
    up[$p]+="$(upload "$p") "
    conn[$p]+="$(setup "$p") "
  done
done

# Recording on disk per GB of output, one session per workload through the recording bastion.
rec_bytes=$((record_mb * 1000 * 1000))
# Log-like lines: timestamps, levels, paths, ids and numbers that change on every line.
read -r -d '' log_lines <<'AWK' || true
BEGIN {
  srand(14); split("INFO INFO INFO INFO DEBUG DEBUG WARN ERROR", level, " ")
  split("/api/v1/items /api/v1/users /api/v1/orders /healthz /static/app.js /login", path, " ")
  split("GET GET GET POST PUT DELETE", verb, " "); split("200 200 200 200 201 204 304 404 500", st, " ")
  while (1) {
    ms += int(rand() * 40)
    printf "2026-11-30T%02d:%02d:%02d.%03dZ %-5s [worker-%d] %s %s/%d id=%08x status=%s bytes=%d ms=%.1f\n",
      int(ms / 3600000) % 24, int(ms / 60000) % 60, int(ms / 1000) % 60, ms % 1000,
      level[int(rand() * 8) + 1], int(rand() * 16), verb[int(rand() * 6) + 1],
      path[int(rand() * 6) + 1], int(rand() * 100000), int(rand() * 4294967295),
      st[int(rand() * 9) + 1], int(rand() * 65536), rand() * 250
  }
}
AWK
declare -A workload=(
  [text]="yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ | head -c $rec_bytes"
  [log]="awk '$log_lines' | head -c $rec_bytes"
  [random]="LC_ALL=C tr -dc '[:print:]' < /dev/urandom | head -c $rec_bytes"
  [top]="stty cols 160 rows 50; top -d 0.1 -n $top_frames"
)
workloads=(text log random top)
declare -A out_bytes disk_bytes rec_format
echo "recording sizes: $record_mb MB of each text workload, $top_frames screens of top ..."
for w in "${workloads[@]}"; do
  before=$(recordings)
  if [[ $w == top ]]; then tty=(-tt -q); else tty=(); fi
  out_bytes[$w]=$(ssh -F "$work/ssh_config" "${tty[@]}" bastion "${workload[$w]}" < /dev/null | wc -c)
  files=$(sealed_since "$before")
  disk_bytes[$w]=$(stat -c %s $files | awk '{s += $1} END {print s}')
  rec_format[$w]=$(for f in $files; do n=${f##*/}; echo "${n#*.}"; done | sort -u | paste -sd,)
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
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
printf '\nratios bastion / proxyjump: download %sx, upload %sx, setup time %sx (lower is faster)\n' \
  "$(ratio "${dmbs[bastion]}" "${dmbs[proxyjump]}")" "$(ratio "${umbs[bastion]}" "${umbs[proxyjump]}")" \
  "$(ratio "${sms[bastion]}" "${sms[proxyjump]}")"
printf 'ratios bastion / direct:    download %sx, upload %sx, setup time %sx\n' \
  "$(ratio "${dmbs[bastion]}" "${dmbs[direct]}")" "$(ratio "${umbs[bastion]}" "${umbs[direct]}")" \
  "$(ratio "${sms[bastion]}" "${sms[direct]}")"
printf 'recording cost (bastion / norec): download %sx, upload %sx (1.00x = free)\n' \
  "$(ratio "${dmbs[bastion]}" "${dmbs[norec]}")" "$(ratio "${umbs[bastion]}" "${umbs[norec]}")"
gb=$(echo "$size_mb * $rounds / 1000" | bc -l)
cpu_per_gb() { # path -> "total (user + kernel)" seconds per GB downloaded
  printf '%.2f s (%.2f user + %.2f kernel)' "$(echo "(${user[$1]} + ${sys[$1]}) / $gb" | bc -l)" \
    "$(echo "${user[$1]} / $gb" | bc -l)" "$(echo "${sys[$1]} / $gb" | bc -l)"
}
cpu_rec=$(cpu_per_gb bastion)
cpu_norec=$(cpu_per_gb norec)
echo "bastion CPU per GB downloaded: $cpu_rec with recording, $cpu_norec without"
echo "recording on disk per GB of output:"
for w in "${workloads[@]}"; do
  printf '  %-7s %12s bytes out, %12s on disk (%s): %.3f GB per GB\n' "$w" "${out_bytes[$w]}" \
    "${disk_bytes[$w]}" "${rec_format[$w]}" "$(echo "${disk_bytes[$w]} / ${out_bytes[$w]}" | bc -l)"
done

# The block to paste into docs/BENCHMARKS.md.
per_gb() { printf '%.3f' "$(echo "${disk_bytes[$1]} / ${out_bytes[$1]}" | bc -l)"; }
cat <<SUMMARY

---- summary (Markdown) ----
\`bench/gateway.sh $size_mb $rounds $setup_runs $record_mb $top_frames\`, $(date -u +%Y-%m-%dT%H:%MZ), jar $(basename "$jar") \
($(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)), load before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg)

| path | download MB/s | upload MB/s | setup ms |
| --- | ---: | ---: | ---: |
$(for p in "${paths[@]}"; do printf '| %s | %.0f | %.0f | %.0f |\n' "$p" "${dmbs[$p]}" "${umbs[$p]}" "${sms[$p]}"; done)

| bastion (recording) / | download | upload | setup time |
| --- | ---: | ---: | ---: |
| ProxyJump | **$(ratio "${dmbs[bastion]}" "${dmbs[proxyjump]}")x** | $(ratio "${umbs[bastion]}" "${umbs[proxyjump]}")x | $(ratio "${sms[bastion]}" "${sms[proxyjump]}")x |
| direct | $(ratio "${dmbs[bastion]}" "${dmbs[direct]}")x | $(ratio "${umbs[bastion]}" "${umbs[direct]}")x | $(ratio "${sms[bastion]}" "${sms[direct]}")x |
| bastion, recording off | $(ratio "${dmbs[bastion]}" "${dmbs[norec]}")x | $(ratio "${umbs[bastion]}" "${umbs[norec]}")x | $(ratio "${sms[bastion]}" "${sms[norec]}")x |

Bastion CPU per GB downloaded: **$cpu_rec with recording, $cpu_norec without**.

| workload | output bytes | recording bytes ($(printf '%s\n' "${rec_format[@]}" | sort -u | paste -sd' ')) | on disk per GB of output |
| --- | ---: | ---: | ---: |
$(for w in "${workloads[@]}"; do printf '| %s | %s | %s | %s GB |\n' "$w" "${out_bytes[$w]}" "${disk_bytes[$w]}" "$(per_gb "$w")"; done)

text: \`yes 0123…XYZ\`; log: log-like lines from awk (timestamp, level, worker, request, id, numbers);
random: \`tr -dc '[:print:]' < /dev/urandom\` (exec sessions without a terminal, $record_mb MB each);
top: \`top -d 0.1 -n $top_frames\` on a 160x50 terminal (\`ssh -tt\`).
---- end of summary ----
SUMMARY
