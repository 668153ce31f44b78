"""Paramiko through the bastion, as a script engineers would write.

usage: paramiko_client.py HOST PORT USER KEY CERT KNOWN_HOSTS exec COMMAND
       paramiko_client.py HOST PORT USER KEY CERT KNOWN_HOSTS sftp LOCAL REMOTE BACK

Logs in with the key and its OpenSSH certificate; the bastion's host key must be in KNOWN_HOSTS
(Paramiko has no @cert-authority, so the test pins the key the host CA certified). Prints the
negotiated cipher and MAC to stderr, the command's output to stdout, exits with its status.
"""
import sys

import paramiko


def main():
    host, port, user, key_file, cert_file, known_hosts, mode = sys.argv[1:8]
    key = paramiko.Ed25519Key.from_private_key_file(key_file)
    key.load_certificate(cert_file)
    client = paramiko.SSHClient()
    client.load_host_keys(known_hosts)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(host, port=int(port), username=user, pkey=key,
                   allow_agent=False, look_for_keys=False, timeout=60)
    transport = client.get_transport()
    sys.stderr.write("paramiko %s cipher %s mac %s\n" % (
        paramiko.__version__, transport.local_cipher, transport.local_mac))
    try:
        if mode == "exec":
            _, stdout, stderr = client.exec_command(sys.argv[8])
            sys.stdout.write(stdout.read().decode())
            sys.stderr.write(stderr.read().decode())
            return stdout.channel.recv_exit_status()
        local, remote, back = sys.argv[8:11]
        sftp = client.open_sftp()
        sftp.put(local, remote)
        sftp.get(remote, back)
        sftp.remove(remote)
        sftp.close()
        return 0
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
