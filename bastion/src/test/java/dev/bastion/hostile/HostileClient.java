package dev.bastion.hostile;

import dev.bastion.keys.OpenSshKeys;
import dev.bastion.testsupport.OpenSsh;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.function.Predicate;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.PtyChannelConfiguration;

/**
 * An ssh client that sends what OpenSSH's would not: any user name, any terminal size (Apache
 * MINA's client, logged in with a real certificate). The bastion's host key is not checked: the
 * tests are about what the bastion accepts, not whom the client trusts.
 */
final class HostileClient implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  private final SshClient client = SshClient.setUpDefaultClient();
  final ClientSession session;

  private HostileClient(int port, String user, Path key) throws IOException {
    client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
    client.start();
    session = client.connect(user, "127.0.0.1", port).verify(TIMEOUT).getSession();
    KeyPair pair = OpenSshKeys.readPrivateKey(key);
    session.addPublicKeyIdentity(
        new KeyPair(OpenSshKeys.readCertificate(OpenSsh.cert(key)), pair.getPrivate()));
  }

  /** Connects as {@code user} with {@code key} and its certificate, and logs in. */
  static HostileClient login(int port, String user, Path key) throws IOException {
    HostileClient hostile = new HostileClient(port, user, key);
    hostile.session.auth().verify(TIMEOUT);
    return hostile;
  }

  /**
   * Runs {@code command} with a terminal of {@code columns} x {@code rows} as sent on the wire
   * (uint32: -1 is 0xFFFFFFFF).
   */
  Terminal exec(String command, int columns, int rows) throws IOException {
    PtyChannelConfiguration pty = new PtyChannelConfiguration();
    pty.setPtyType("xterm");
    pty.setPtyColumns(columns);
    pty.setPtyLines(rows);
    ChannelExec channel = session.createExecChannel(command, pty, null);
    channel.setUsePty(true);
    Terminal terminal = new Terminal(channel);
    channel.open().verify(TIMEOUT);
    return terminal;
  }

  @Override
  public void close() {
    session.close(true);
    client.stop();
  }

  /** A command's channel: what it printed so far, and its input. */
  static final class Terminal {
    final ChannelExec channel;
    private final ByteArrayOutputStream seen = new ByteArrayOutputStream();
    private final PipedOutputStream input = new PipedOutputStream();

    Terminal(ChannelExec channel) throws IOException {
      this.channel = channel;
      OutputStream out =
          new OutputStream() {
            @Override
            public void write(int b) {
              write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
              synchronized (seen) {
                seen.write(b, off, len);
                seen.notifyAll();
              }
            }
          };
      channel.setOut(out);
      channel.setErr(out);
      channel.setIn(new PipedInputStream(input));
    }

    String seen() {
      synchronized (seen) {
        return seen.toString(StandardCharsets.UTF_8);
      }
    }

    /** Waits until what was printed matches (fails after {@link #TIMEOUT}). */
    String await(Predicate<String> done) throws InterruptedException {
      long end = System.nanoTime() + TIMEOUT.toNanos();
      synchronized (seen) {
        while (!done.test(seen())) {
          long left = end - System.nanoTime();
          if (left <= 0) {
            throw new AssertionError("not seen within " + TIMEOUT + "; seen: " + seen());
          }
          seen.wait(Math.max(1, left / 1_000_000));
        }
        return seen();
      }
    }

    /** Waits up to {@code millis} until what was printed matches; whether it does. */
    boolean awaitWithin(Predicate<String> done, long millis) throws InterruptedException {
      long end = System.nanoTime() + millis * 1_000_000;
      synchronized (seen) {
        while (!done.test(seen())) {
          long left = end - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          seen.wait(Math.max(1, left / 1_000_000));
        }
        return true;
      }
    }

    void type(String text) throws IOException {
      input.write(text.getBytes(StandardCharsets.UTF_8));
      input.flush();
    }

    /** Sends a window-change as given (uint32 on the wire: -1 is 0xFFFFFFFF). */
    void resize(int columns, int rows) throws IOException {
      channel.sendWindowChange(columns, rows);
    }
  }
}
