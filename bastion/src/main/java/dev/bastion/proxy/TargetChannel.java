package dev.bastion.proxy;

import dev.bastion.upstream.UpstreamException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.PtyCapableChannelSession;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.AbstractChannel;
import org.apache.sshd.common.channel.PtyChannelConfiguration;
import org.apache.sshd.common.channel.StreamingChannel;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.util.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's channel on the target: opened as the same kind of channel with the same terminal
 * the engineer asked for, and carrying on to the target what the engineer's side sends besides
 * bytes (window changes, signals, breaks); at the end it tells how the target's process ended.
 */
final class TargetChannel {
  private static final Logger LOG = LoggerFactory.getLogger(TargetChannel.class);

  private final ClientSession session;
  private final ClientChannel channel;
  private final PtyRequest openedWith;

  private TargetChannel(ClientSession session, ClientChannel channel, PtyRequest openedWith) {
    this.session = session;
    this.channel = channel;
    this.openedWith = openedWith;
  }

  /**
   * Opens the channel; fails with an {@link UpstreamException} whose message is for the engineer.
   */
  static CompletableFuture<TargetChannel> open(
      String targetName,
      ClientSession session,
      SessionKind kind,
      String command,
      PtyRequest terminal,
      Map<String, String> env) {
    CompletableFuture<TargetChannel> result = new CompletableFuture<>();
    ClientChannel channel;
    try {
      channel = create(session, kind, command, terminal, env);
      channel
          .open()
          .addListener(
              open -> {
                if (open.isOpened()) {
                  result.complete(new TargetChannel(session, channel, terminal));
                } else {
                  result.completeExceptionally(
                      new UpstreamException(
                          "target_refused_channel",
                          "target "
                              + targetName
                              + " refused to open the "
                              + kind.code()
                              + " channel"
                              + (open.getException() == null
                                  ? ""
                                  : ": " + open.getException().getMessage()),
                          open.getException()));
                }
              });
    } catch (IOException | RuntimeException e) {
      result.completeExceptionally(
          new UpstreamException(
              "upstream_error",
              "cannot open a channel on " + targetName + ": " + e.getMessage(),
              e));
    }
    return result;
  }

  private static ClientChannel create(
      ClientSession session,
      SessionKind kind,
      String command,
      PtyRequest terminal,
      Map<String, String> env)
      throws IOException {
    PtyChannelConfiguration pty = new PtyChannelConfiguration();
    if (terminal != null) {
      pty.setPtyType(terminal.term());
      pty.setPtyColumns(terminal.columns());
      pty.setPtyLines(terminal.rows());
      pty.setPtyWidth(terminal.width());
      pty.setPtyHeight(terminal.height());
      pty.setPtyModes(terminal.modes());
    }
    ClientChannel channel;
    switch (kind) {
      case SHELL -> {
        ChannelShell shell = session.createShellChannel(pty, env);
        shell.setUsePty(terminal != null);
        channel = shell;
      }
      case EXEC -> {
        ChannelExec exec = session.createExecChannel(command, pty, env);
        exec.setUsePty(terminal != null);
        channel = exec;
      }
      case SFTP -> channel = session.createSubsystemChannel("sftp");
      default -> throw new IllegalStateException("unknown kind " + kind);
    }
    channel.setStreaming(StreamingChannel.Streaming.Async);
    channel.setRedirectErrorStream(false);
    return channel;
  }

  /** The terminal the channel was opened with (the engineer may have resized since). */
  PtyRequest openedWith() {
    return openedWith;
  }

  IoInputStream out() {
    return channel.getAsyncOut();
  }

  /** Null when the channel has no separate stderr (sftp). */
  IoInputStream err() {
    return channel.getAsyncErr();
  }

  IoOutputStream in() {
    return channel.getAsyncIn();
  }

  /** Runs once the target closed the channel (or it was closed from here). */
  void whenClosed(Runnable then) {
    channel.addCloseFutureListener(closed -> then.run());
  }

  Integer exitStatus() {
    return channel.getExitStatus();
  }

  String exitSignal() {
    return channel.getExitSignal();
  }

  void resize(PtyRequest size) {
    if (channel instanceof PtyCapableChannelSession terminal) {
      try {
        terminal.sendWindowChange(size.columns(), size.rows(), size.height(), size.width());
      } catch (IOException e) {
        LOG.debug("window-change not forwarded: {}", e.getMessage());
      }
    }
  }

  /** Forwards a {@code signal} request (name without "SIG"). */
  void signal(String name) {
    send("signal", buffer -> buffer.putString(name));
  }

  void sendBreak(long millis) {
    send("break", buffer -> buffer.putUInt(millis));
  }

  private void send(String request, Consumer<Buffer> body) {
    if (channel.isClosing()) {
      return;
    }
    try {
      Buffer buffer = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST);
      buffer.putUInt(((AbstractChannel) channel).getRecipient());
      buffer.putString(request);
      buffer.putBoolean(false);
      body.accept(buffer);
      channel.writePacket(buffer);
    } catch (IOException e) {
      LOG.debug("{} not forwarded: {}", request, e.getMessage());
    }
  }

  /** Closes the channel at once; its close listeners then run. */
  void close() {
    channel.close(true);
  }
}
