package dev.bastion.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.PtyChannelConfiguration;
import org.apache.sshd.common.channel.StreamingChannel;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * One engineer at a terminal: an interactive shell with a pty, a line typed now and then, and the
 * time until its echo comes back. Everything is asynchronous, so one JVM holds a thousand of them
 * on MINA's few I/O threads.
 */
final class Typist {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final String name;
  private final LongConsumer latencyNanos;
  private final ByteArrayBuffer readBuffer = new ByteArrayBuffer(8 * 1024, false);
  private final StringBuilder seen = new StringBuilder();
  private ClientSession session;
  private ChannelShell shell;
  private String marker;
  private long typedAt;
  private int lines;
  private volatile boolean measuring;
  private final CompletableFuture<Void> prompted = new CompletableFuture<>();
  private int lost;
  private IoWriteFuture typing;

  Typist(String name, LongConsumer latencyNanos) {
    this.name = name;
    this.latencyNanos = latencyNanos;
  }

  /**
   * Logs in, opens a shell with a terminal and waits for its first output (the prompt); blocks
   * (called from the driver's own threads).
   */
  void open(SshClient client, String user, int port, KeyPair identity) throws IOException {
    session = client.connect(user, "127.0.0.1", port).verify(TIMEOUT).getSession();
    session.addPublicKeyIdentity(identity);
    session.auth().verify(TIMEOUT);
    PtyChannelConfiguration pty = new PtyChannelConfiguration();
    pty.setPtyType("xterm");
    pty.setPtyColumns(120);
    pty.setPtyLines(40);
    shell = session.createShellChannel(pty, null);
    shell.setStreaming(StreamingChannel.Streaming.Async);
    shell.open().verify(TIMEOUT);
    readLoop();
    try {
      prompted.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      throw new IOException(name + ": no prompt within " + TIMEOUT.toSeconds() + " s", e);
    }
  }

  /** Echo times count from now on (not during login and the first prompt). */
  void measure(boolean on) {
    measuring = on;
  }

  /**
   * Types one line (a shell comment, so the shell does nothing), unless the last line's echo is
   * still out (given up after 10 s and counted as lost).
   */
  synchronized void type() throws IOException {
    if (!isOpen() || (typing != null && !typing.isDone())) {
      return;
    }
    if (marker != null) {
      if (System.nanoTime() - typedAt < 10_000_000_000L) {
        return;
      }
      lost++;
    }
    marker = "#" + name + "-" + (++lines) + ".";
    typedAt = System.nanoTime();
    byte[] line = (marker + "\r").getBytes(StandardCharsets.US_ASCII);
    typing = shell.getAsyncIn().writeBuffer(new ByteArrayBuffer(line));
  }

  /** Lines whose echo never came. */
  synchronized int lost() {
    return lost;
  }

  /** What the terminal showed since the last echo (to see why echoes do not come). */
  synchronized String screen() {
    return seen.toString();
  }

  boolean isOpen() {
    return shell != null && shell.isOpen() && !shell.isClosing();
  }

  void close() {
    if (session != null) {
      session.close(true);
    }
  }

  private void readLoop() {
    readBuffer.clear();
    shell
        .getAsyncOut()
        .read(readBuffer)
        .addListener(
            read -> {
              if (read.getException() != null || read.getRead() < 0) {
                return;
              }
              echoed(read.getRead());
              readLoop();
            });
  }

  private synchronized void echoed(int n) {
    long now = System.nanoTime();
    prompted.complete(null);
    seen.append(new String(readBuffer.array(), readBuffer.rpos(), n, StandardCharsets.US_ASCII));
    if (marker != null && seen.indexOf(marker) >= 0) {
      if (measuring) {
        latencyNanos.accept(now - typedAt);
      }
      marker = null;
      seen.setLength(0);
    } else if (seen.length() > 4096) {
      seen.delete(0, seen.length() - 256);
    }
  }
}
