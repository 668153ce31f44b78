package dev.bastion.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A real OpenSSH {@code sshd} on a free loopback port, configured from a temporary directory: its
 * own host key, {@code TrustedUserCAKeys}, optionally a host certificate. Started with {@code -D
 * -e} so its log lands in {@link #log()}. Close it to stop it.
 */
public final class OpenSshServer implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final Process process;
  private final Path logFile;
  private final Path hostKey;

  private OpenSshServer(Path dir, int port, Process process, Path logFile, Path hostKey) {
    this.dir = dir;
    this.port = port;
    this.process = process;
    this.logFile = logFile;
    this.hostKey = hostKey;
  }

  public static Builder builder(Path dir) {
    return new Builder(dir);
  }

  public int port() {
    return port;
  }

  public Path directory() {
    return dir;
  }

  /** The host public key line, e.g. for a pinned {@code known_hosts} entry. */
  public String hostKeyLine() {
    return OpenSsh.read(OpenSsh.pub(hostKey));
  }

  public Path hostKey() {
    return hostKey;
  }

  /** A {@code known_hosts} line that pins this server's host key. */
  public String knownHostsLine() {
    return "[127.0.0.1]:" + port + " " + hostKeyLine();
  }

  /** Everything sshd logged so far. */
  public String log() {
    try {
      return Files.readString(logFile);
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** Settings for one test sshd. */
  public static final class Builder {
    private final Path dir;
    private String trustedUserCaKeys;
    private Path hostCertificate;
    private Path hostKey;
    private final List<String> extraConfig = new ArrayList<>();

    private Builder(Path dir) {
      this.dir = dir;
    }

    /** One or more CA public key lines whose user certificates this sshd accepts. */
    public Builder trustedUserCaKeys(String caLines) {
      this.trustedUserCaKeys = caLines;
      return this;
    }

    /** Uses an existing host key instead of generating one. */
    public Builder hostKey(Path privateKey) {
      this.hostKey = privateKey;
      return this;
    }

    /** Presents this host certificate (for the host key) to clients. */
    public Builder hostCertificate(Path certificate) {
      this.hostCertificate = certificate;
      return this;
    }

    public Builder config(String line) {
      extraConfig.add(line);
      return this;
    }

    public OpenSshServer start() {
      OpenSsh.requireInstalled();
      try {
        Files.createDirectories(dir);
        Path key = hostKey != null ? hostKey : OpenSsh.keygen(dir, "ssh_host_ed25519_key");
        Path cas = dir.resolve("trusted_user_ca_keys");
        Files.writeString(cas, trustedUserCaKeys == null ? "" : trustedUserCaKeys.strip() + "\n");
        ensurePrivilegeSeparationDirectory();
        int port = freePort();
        Path config = dir.resolve("sshd_config");
        Path log = dir.resolve("sshd.log");
        List<String> lines =
            new ArrayList<>(
                List.of(
                    "Port " + port,
                    "ListenAddress 127.0.0.1",
                    "HostKey " + key.toAbsolutePath(),
                    "TrustedUserCAKeys " + cas.toAbsolutePath(),
                    "AuthorizedKeysFile none",
                    "PidFile " + dir.resolve("sshd.pid").toAbsolutePath(),
                    "UsePAM no",
                    "StrictModes no",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PubkeyAuthentication yes",
                    "LogLevel VERBOSE",
                    "Subsystem sftp internal-sftp"));
        if (hostCertificate != null) {
          lines.add("HostCertificate " + hostCertificate.toAbsolutePath());
        }
        lines.addAll(extraConfig);
        Files.write(config, lines);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Process process =
            new ProcessBuilder(OpenSsh.SSHD, "-D", "-e", "-f", config.toAbsolutePath().toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        OpenSshServer server = new OpenSshServer(dir, port, process, log, key);
        awaitListening(server, process, port);
        return server;
      } catch (IOException e) {
        throw new AssertionError("cannot start sshd in " + dir + ": " + e, e);
      }
    }

    private static void awaitListening(OpenSshServer server, Process process, int port) {
      Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
      while (Instant.now().isBefore(deadline)) {
        if (!process.isAlive()) {
          throw new AssertionError(
              "sshd exited with " + process.exitValue() + ":\n" + server.log());
        }
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
          return;
        } catch (IOException notYet) {
          sleep(50);
        }
      }
      server.close();
      throw new AssertionError("sshd did not listen on port " + port + ":\n" + server.log());
    }

    private static void ensurePrivilegeSeparationDirectory() throws IOException {
      Path run = Path.of("/run/sshd");
      if (!Files.isDirectory(run) && "root".equals(System.getProperty("user.name"))) {
        Files.createDirectories(run);
      }
    }
  }

  /** A port that was free a moment ago on 127.0.0.1. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new AssertionError("no free port", e);
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
