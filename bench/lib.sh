# Shared by the benchmark scripts. bench_init sets $root, $jar, $work and pids=(); the others
# expect $work (a temporary directory) and $data (the bastion's data directory, with its CAs).

# bench_init PREFIX: $root (the repository), $jar (BASTION_JAR or the built jar, built with
# `mvn package` if missing, never install), $work (a new temporary directory, removed at exit) and
# pids=(), every process in it killed at exit, last started first.
bench_init() {
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  jar="${BASTION_JAR:-$root/bastion/target/bastion.jar}"
  [[ -f "$jar" ]] || (cd "$root" && mvn -B -q -DskipTests package)
  work=$(mktemp -d "/tmp/$1.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}

# The account the target sshd logs in: a test account when run as root, else the current user.
bench_login() {
  if [[ $(id -u) -eq 0 ]]; then
    login=bastiontest
    id "$login" >/dev/null 2>&1 || useradd -m -s /bin/sh "$login"
    usermod -p '*' "$login"
    mkdir -p /run/sshd
  else
    login=$(id -un)
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
  for _ in $(seq 300); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "port $1 never opened" >&2
  exit 1
}

# start_sshd NAME PORT: an OpenSSH sshd on 127.0.0.1 that trusts only the bastion's upstream CA;
# $sshd_extra (optional) adds lines to its configuration.
start_sshd() {
  ssh-keygen -q -t ed25519 -N '' -f "$work/$1_host_key"
  cat > "$work/$1_config" <<CFG
Port $2
ListenAddress 127.0.0.1
HostKey $work/$1_host_key
TrustedUserCAKeys $data/ca/upstream_ca.pub
AuthorizedKeysFile none
PidFile $work/$1.pid
UsePAM no
StrictModes no
AllowTcpForwarding yes
${sshd_extra:-}
CFG
  /usr/sbin/sshd -D -f "$work/$1_config" -E "$work/$1.log" & pids+=($!)
  wait_port "$2"
}

# bastion_config SSH_PORT WEB_PORT: a bastion.yaml on stdout with target web01 (the sshd started as
# "target" on $target_port) open to role ops as $login.
bastion_config() {
  cat <<CFG
ssh:
  listen: 127.0.0.1:$1
  # the benchmark logs in from 127.0.0.1 over and over
  throttle: {connections: 100000, failed_logins: 100000}
web:
  listen: 127.0.0.1:$2
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
}

# user_certificate: the key $work/id_user, certified by the bastion's user CA for role ops.
user_certificate() {
  ssh-keygen -q -t ed25519 -N '' -f "$work/id_user"
  java -jar "$jar" cert issue --data-dir "$data" --key "$work/id_user.pub" --identity bench@example.com \
    --principals ops 2>/dev/null
}

# recordings: the bastion's recording files under $data (any format, not their seals), sorted.
recordings() { { find "$data/recordings" -type f ! -name '*.seal' 2>/dev/null || true; } | sort; }

# sealed_since LIST: the recording files not in LIST (an earlier output of recordings), once each
# has its seal beside it (the seal is written after the client has its exit status).
sealed_since() {
  local new f sealed
  for _ in $(seq 300); do
    new=$(comm -13 <(echo "$1") <(recordings))
    sealed=1
    for f in $new; do [[ -f "$f.seal" ]] || sealed=0; done
    if [[ -n "$new" ]] && ((sealed)); then echo "$new"; return 0; fi
    sleep 0.1
  done
  echo "no sealed recording appeared under $data/recordings" >&2
  return 1
}
