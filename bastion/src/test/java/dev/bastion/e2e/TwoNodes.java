package dev.bastion.e2e;

import dev.bastion.config.BastionConfig;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.oidc.IdentityProvider;
import dev.bastion.recorder.RecordingKey;
import dev.bastion.testsupport.PostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Two bastion nodes in this JVM acting as one fleet: one new PostgreSQL database (the real Debian
 * server), the same CA keys (copied from A to B as an operator would), a real Hazelcast cluster and
 * clustered event bus on loopback. Each node is a full {@link GatewayFixture} with its own target
 * sshd, SSH port and web port. {@code extraTopLevelYaml} is added to both nodes' config.
 */
public final class TwoNodes implements AutoCloseable {
  public final GatewayFixture a;
  public final GatewayFixture b;
  public final String databaseUrl;

  private TwoNodes(GatewayFixture a, GatewayFixture b, String databaseUrl) {
    this.a = a;
    this.b = b;
    this.databaseUrl = databaseUrl;
  }

  public static TwoNodes start(Path dir, String extraTargetsYaml, String extraTopLevelYaml)
      throws Exception {
    return start(
        dir,
        extraTopLevelYaml,
        (node, topLevel) -> GatewayFixture.start(node, extraTargetsYaml, topLevel));
  }

  /**
   * Two nodes with single sign-on through the one provider {@code providers} makes ({@code
   * extraTopLevelYaml} holds {@code oidc:}, as for {@link GatewayFixture#start(Path, String,
   * Function)}).
   */
  public static TwoNodes start(
      Path dir, String extraTopLevelYaml, Function<BastionConfig.Oidc, IdentityProvider> providers)
      throws Exception {
    return start(
        dir,
        extraTopLevelYaml,
        (node, topLevel) -> GatewayFixture.start(node, topLevel, providers));
  }

  /** How a node is started: its directory and its top-level configuration. */
  private interface NodeStart {
    GatewayFixture start(Path dir, String topLevelYaml) throws Exception;
  }

  private static TwoNodes start(Path dir, String extraTopLevelYaml, NodeStart nodes)
      throws Exception {
    PostgresServer postgres = PostgresServer.shared();
    String url = postgres.newDatabase();
    Path password = dir.resolve("db.password");
    Files.writeString(password, postgres.password() + "\n");
    Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
    String database =
        "database:\n  url: "
            + url
            + "\n  user: "
            + PostgresServer.USER
            + "\n  password_file: "
            + password
            + "\n";
    int portA = freePortPair();
    int portB = freePortPair();
    String members = "  members: [127.0.0.1:" + portA + ", 127.0.0.1:" + portB + "]\n";
    Path dirA = dir.resolve("node-a");
    Path dirB = dir.resolve("node-b");
    CaKeyStore cas = new CaKeyStore(dirA.resolve("data"));
    cas.init();
    RecordingKey.loadOrCreate(cas.directory()); // as `bastion ca init` makes it
    copyTree(dirA.resolve("data"), dirB.resolve("data"));
    GatewayFixture a =
        nodes.start(
            dirA,
            extraTopLevelYaml
                + database
                + "cluster:\n  name: node-a\n  listen: 127.0.0.1:"
                + portA
                + "\n"
                + members);
    try {
      GatewayFixture b =
          nodes.start(
              dirB,
              extraTopLevelYaml
                  + database
                  + "cluster:\n  name: node-b\n  listen: 127.0.0.1:"
                  + portB
                  + "\n"
                  + members);
      return new TwoNodes(a, b, url);
    } catch (Exception | Error e) {
      a.close();
      throw e;
    }
  }

  /** A port whose next port is free too (Hazelcast on the first, the event bus on the second). */
  public static int freePortPair() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      if (port >= 65000) {
        continue;
      }
      try (ServerSocket first = new ServerSocket(port);
          ServerSocket next = new ServerSocket(port + 1)) {
        return port;
      } catch (IOException taken) {
        // another pair
      }
    }
    throw new IOException("no two consecutive free ports on loopback");
  }

  /** Copies the data directory (the CA keys) with its permissions. */
  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      files.forEach(
          source -> {
            Path target = to.resolve(from.relativize(source).toString());
            try {
              Files.createDirectories(target.getParent());
              Files.copy(source, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            } catch (java.nio.file.FileAlreadyExistsException exists) {
              // directories made above
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
  }

  @Override
  public void close() {
    try {
      b.close();
    } finally {
      a.close();
    }
  }
}
