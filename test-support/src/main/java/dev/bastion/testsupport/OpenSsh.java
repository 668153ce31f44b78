package dev.bastion.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The real OpenSSH tools as tests use them: keys, certificates, and the client. */
public final class OpenSsh {
  public static final String SSHD = "/usr/sbin/sshd";

  private OpenSsh() {}

  /** Fails loudly when OpenSSH is missing: these tests must never pass by skipping. */
  public static void requireInstalled() {
    for (String tool : List.of("ssh", "ssh-keygen", SSHD)) {
      if (!ExternalCommand.available(tool)) {
        throw new AssertionError(
            tool
                + " is not installed; run .ci/run or: apt-get install openssh-client openssh-server");
      }
    }
  }

  /**
   * Generates a key pair with ssh-keygen; returns the private key path ({@code .pub} beside it).
   */
  public static Path keygen(Path dir, String name, String type, int bits) {
    Path key = dir.resolve(name);
    List<String> cmd =
        new ArrayList<>(
            List.of("ssh-keygen", "-q", "-t", type, "-N", "", "-C", name, "-f", key.toString()));
    if (bits > 0) {
      cmd.add("-b");
      cmd.add(Integer.toString(bits));
    }
    ExternalCommand.of(cmd).run().orThrow();
    return key;
  }

  public static Path keygen(Path dir, String name) {
    return keygen(dir, name, "ed25519", 0);
  }

  /** The public key file beside a private key. */
  public static Path pub(Path privateKey) {
    return privateKey.resolveSibling(privateKey.getFileName() + ".pub");
  }

  /** The certificate file ssh looks for beside a private key. */
  public static Path cert(Path privateKey) {
    return privateKey.resolveSibling(privateKey.getFileName() + "-cert.pub");
  }

  /** What the real {@code ssh-keygen -L -f FILE} says about a certificate file. */
  public static String describe(Path certificate) {
    return ExternalCommand.of("ssh-keygen", "-L", "-f", certificate.toString())
        .run()
        .orThrow()
        .stdout();
  }

  public static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file, e);
    }
  }

  public static void write(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError("cannot write " + file, e);
    }
  }

  /**
   * Runs the real {@code ssh} client non-interactively with only the given identity and known_hosts
   * file, strict host key checking, and no user or agent configuration.
   */
  public static CommandResult ssh(
      Path identity, Path knownHosts, int port, String userAtHost, String... remoteCommand) {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(port)));
    cmd.addAll(clientOptions(identity, knownHosts));
    cmd.add(userAtHost);
    cmd.addAll(List.of(remoteCommand));
    return ExternalCommand.of(cmd).run();
  }

  /**
   * Options for ssh, scp and sftp: only this identity (and its certificate), strict host key
   * checking against this known_hosts file, no agent, no user configuration, no prompts.
   */
  public static List<String> clientOptions(Path identity, Path knownHosts) {
    return List.of(
        "-F", "/dev/null",
        "-i", identity.toString(),
        "-o", "IdentitiesOnly=yes",
        "-o", "IdentityAgent=none",
        "-o", "BatchMode=yes",
        "-o", "UserKnownHostsFile=" + knownHosts,
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "StrictHostKeyChecking=yes",
        "-o", "ConnectTimeout=10");
  }
}
