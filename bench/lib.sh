# Shared by the benchmark scripts: sourced after they set $work (a temporary directory), $data
# (the bastion's data directory, with its CAs) and an array pids=() that their cleanup kills.

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

# start_sshd NAME PORT: an OpenSSH sshd on 127.0.0.1 that trusts only the bastion's upstream CA.
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
CFG
  /usr/sbin/sshd -D -f "$work/$1_config" -E "$work/$1.log" & pids+=($!)
  wait_port "$2"
}
