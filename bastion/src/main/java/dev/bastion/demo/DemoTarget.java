package dev.bastion.demo;

import dev.bastion.keys.OpenSshKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.shell.ProcessShellCommandFactory;
import org.apache.sshd.server.shell.ProcessShellFactory;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

/**
 * The demo's target host: an SSH server on loopback that, like a production target, trusts only the
 * bastion's upstream CA, and runs real local shells and commands as the user running the demo.
 */
public final class DemoTarget implements AutoCloseable {
  private final SshServer server;
  private final PublicKey hostKey;

  private DemoTarget(SshServer server, PublicKey hostKey) {
    this.server = server;
    this.hostKey = hostKey;
  }

  public static DemoTarget start(Path demoDir, PublicKey upstreamCa) throws IOException {
    Path keyFile = demoDir.resolve("target_host_key");
    if (!Files.exists(keyFile)) {
      OpenSshKeys.writeNewPrivateKey(
          OpenSshKeys.generateEd25519(), "demo target host key", keyFile);
    }
    KeyPair hostKey = OpenSshKeys.readPrivateKey(keyFile);
    SshServer server = SshServer.setUpDefaultServer();
    server.setHost("127.0.0.1");
    server.setPort(0);
    server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
    // MINA has already checked the certificate's signature and validity; this adds trust and
    // principal.
    server.setPublickeyAuthenticator(
        (user, key, session) ->
            key instanceof OpenSshCertificate cert
                && cert.getType() == OpenSshCertificate.Type.USER
                && upstreamCa.equals(cert.getCaPubKey())
                && cert.getPrincipals().contains(user));
    server.setPasswordAuthenticator(null);
    server.setKeyboardInteractiveAuthenticator(null);
    server.setShellFactory(new ProcessShellFactory(shell(), "shell"));
    server.setCommandFactory(ProcessShellCommandFactory.INSTANCE);
    server.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
    server.start();
    return new DemoTarget(server, hostKey.getPublic());
  }

  /** A login shell; through {@code script} when available so that it gets a real terminal. */
  private static String shell() {
    if (Files.isExecutable(Path.of("/usr/bin/script"))
        && Files.isExecutable(Path.of("/bin/bash"))) {
      return "exec /usr/bin/script -qfec '/bin/bash -l' /dev/null";
    }
    return "exec /bin/sh -i";
  }

  public int port() {
    return server.getPort();
  }

  public PublicKey hostKey() {
    return hostKey;
  }

  @Override
  public void close() throws IOException {
    server.stop(true);
  }
}
