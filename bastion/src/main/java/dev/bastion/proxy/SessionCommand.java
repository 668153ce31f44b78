package dev.bastion.proxy;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.keys.CertificateCheck;
import dev.bastion.keys.CertifiedUser;
import dev.bastion.policy.AccessDenied;
import dev.bastion.policy.Grant;
import dev.bastion.recorder.VisibleText;
import dev.bastion.ssh.LoginAttributes;
import dev.bastion.upstream.TargetConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.AsyncCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs when an engineer asks for a shell, a command or sftp: with a user name {@code
 * LOGIN@TARGET} it authorizes and proxies ({@link ProxiedSession}); without {@code @} it runs one
 * of the bastion's own commands ({@link BuiltinCommands}). Refusals are one line on stderr and exit
 * 1.
 */
final class SessionCommand implements AsyncCommand, dev.bastion.proxy.ClientChannel {
  private static final Logger LOG = LoggerFactory.getLogger(SessionCommand.class);
  private static final SecureRandom IDS = new SecureRandom();
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  private final ProxyChannelSession channel;
  private final SessionServices services;
  private final SessionKind kind;
  private final String commandLine;
  private IoInputStream in;
  private IoOutputStream out;
  private IoOutputStream err;
  private ExitCallback exitCallback;
  private volatile ProxiedSession session;
  private volatile String terminatedFor;

  SessionCommand(
      ProxyChannelSession channel, SessionServices services, SessionKind kind, String commandLine) {
    this.channel = channel;
    this.services = services;
    this.kind = kind;
    this.commandLine = commandLine;
  }

  @Override
  public void start(ChannelSession ignored, Environment env) {
    CompletableFuture<Void> audited =
        channel.getServerSession().getAttribute(LoginAttributes.LOGIN_AUDITED);
    if (audited == null) {
      refuse("not logged in with a certificate", 1);
      return;
    }
    if (audited.isDone()) {
      loginAudited(audited);
    } else {
      // Off the audit writer's thread, which completes the future.
      audited.whenCompleteAsync((ok, failure) -> loginAudited(audited));
    }
  }

  /**
   * Goes on once the connection's login_accepted row is written (the connection is registered just
   * before); refuses if the row cannot be written.
   */
  private void loginAudited(CompletableFuture<Void> audited) {
    if (audited.isCompletedExceptionally()) {
      refuse(
          "the audit log cannot be written, so no session may start; tell the bastion's operators",
          1);
      return;
    }
    Optional<EngineerConnection> found = EngineerConnection.of(channel.getServerSession());
    if (found.isEmpty()) {
      refuse("not logged in with a certificate", 1);
      return;
    }
    EngineerConnection connection = found.get();
    CertifiedUser user = connection.user();
    // The certificate may have expired or been revoked since this (shared) connection logged in.
    Optional<CertificateCheck.Refused> stale = connection.recheck();
    if (stale.isPresent()) {
      ConnectAhead.close(ConnectAhead.take(channel.getServerSession()));
      refuseSession(user, stale.get().reason().code(), stale.get().message());
      channel.addCloseFutureListener(closed -> connection.refusedFor(stale.get()));
      return;
    }
    if (!connection.track(this)) {
      refuseSession(user, "connection_closing", connection.endedFor());
      return;
    }
    channel.addCloseFutureListener(closed -> connection.untrack(this));
    Iterator<String> notices = channel.notices().iterator();
    announce(notices, () -> dispatch(user));
  }

  /** The connection ends (certificate revoked or expired): a proxied session is told why. */
  void terminate(String reason) {
    terminatedFor = reason;
    ProxiedSession s = session; // or dispatch, which sets it, then reads terminatedFor
    if (s != null) {
      s.terminate(reason);
    }
  }

  private void announce(Iterator<String> notices, Runnable then) {
    if (!notices.hasNext()) {
      then.run();
      return;
    }
    tell(notices.next(), () -> announce(notices, then));
  }

  private void dispatch(CertifiedUser user) {
    Optional<TargetLogin> asked = TargetLogin.of(channel.getServerSession().getUsername());
    if (asked.isEmpty()) {
      new BuiltinCommands(
              services,
              user,
              java.util.Optional.ofNullable(
                  channel.getServerSession().getAttribute(LoginAttributes.SSO)),
              source(),
              this)
          .run(kind, commandLine);
      return;
    }
    String login = asked.get().login();
    String target = asked.get().target();
    Grant grant;
    try {
      grant = services.policy().authorize(user, login, target);
    } catch (AccessDenied denied) {
      ConnectAhead.close(ConnectAhead.take(channel.getServerSession()));
      refuseSession(user, denied.code(), denied.getMessage());
      return;
    }
    CompletableFuture<TargetConnection> ahead = ConnectAhead.take(channel.getServerSession());
    String id = newSessionId();
    session =
        new ProxiedSession(
            id,
            grant,
            kind,
            commandLine,
            channel.pty(),
            channel.forwardedEnv(),
            source(),
            this,
            in,
            services,
            ahead);
    session.start();
    String ended = terminatedFor;
    if (ended != null) {
      session.terminate(ended); // the connection ended while this session was being set up
    }
  }

  private void refuseSession(CertifiedUser user, String code, String message) {
    Optional<TargetLogin> asked = TargetLogin.of(channel.getServerSession().getUsername());
    String login = asked.map(TargetLogin::login).orElse(null);
    String target = asked.map(TargetLogin::target).orElse(null);
    services
        .audit()
        .record(
            new AuditEvent(
                services.clock().instant(),
                AuditKind.SESSION_REFUSED,
                user.identity(),
                user.serialText(),
                source(),
                null,
                target,
                login,
                code,
                message
                    + " ("
                    + kind.code()
                    + (commandLine == null ? "" : ": " + commandLine)
                    + ")"));
    LOG.info(
        "session refused for {}: {}@{}: {}",
        VisibleText.fit(user.identity(), 256),
        VisibleText.fit(login, 64),
        VisibleText.fit(target, 255),
        VisibleText.fit(message, 512));
    refuse(message, 1);
  }

  private String source() {
    return source(channel.getServerSession());
  }

  static String source(org.apache.sshd.server.session.ServerSession ssh) {
    return ssh.getClientAddress() instanceof InetSocketAddress inet
        ? inet.getAddress().getHostAddress()
        : String.valueOf(ssh.getClientAddress());
  }

  static String newSessionId() {
    byte[] bytes = new byte[16];
    IDS.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  void windowChanged(int columns, int rows, int width, int height) {
    ProxiedSession s = session;
    if (s != null) {
      s.windowChanged(columns, rows, width, height);
    }
  }

  void signal(String name) {
    ProxiedSession s = session;
    if (s != null) {
      s.signal(name);
    }
  }

  void sendBreak(long millis) {
    ProxiedSession s = session;
    if (s != null) {
      s.sendBreak(millis);
    }
  }

  @Override
  public IoOutputStream out() {
    return out;
  }

  @Override
  public IoOutputStream err() {
    return err;
  }

  @Override
  public boolean hasPty() {
    return channel.pty() != null;
  }

  @Override
  public void exit(int status) {
    exitCallback.onExit(status);
    closeIfStuck();
  }

  @Override
  public void exitBySignal(String signal) {
    try {
      channel.exitBySignal(signal);
    } catch (IOException e) {
      exitCallback.onExit(255);
    }
    closeIfStuck();
  }

  @Override
  public void whenClosed(Runnable then) {
    channel.addCloseFutureListener(closed -> then.run());
  }

  /**
   * A graceful close waits for what is still queued for the engineer; a client that stopped reading
   * would hold it, and the channel, open forever. By the time a session exits all the target's
   * output was sent, so only the bastion's last line can be lost this way.
   */
  private void closeIfStuck() {
    SessionExecutor.TIMERS.schedule(
        () -> {
          if (!channel.isClosed()) {
            LOG.info("channel of {} closed at once: the client stopped reading", source());
            channel.close(true);
          }
        },
        CLOSE_GRACE.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  @Override
  public void destroy(ChannelSession ignored) {
    ProxiedSession s = session;
    if (s != null) {
      s.clientClosed();
    }
  }

  @Override
  public void setIoInputStream(IoInputStream in) {
    this.in = in;
  }

  @Override
  public void setIoOutputStream(IoOutputStream out) {
    this.out = out;
  }

  @Override
  public void setIoErrorStream(IoOutputStream err) {
    // Shared by the target's stderr and the bastion's own lines: one write at a time.
    this.err = new SerialOutput(err);
  }

  @Override
  public void setExitCallback(ExitCallback callback) {
    this.exitCallback = callback;
  }

  @Override
  public void setInputStream(InputStream in) {
    // the asynchronous stream is used instead
  }

  @Override
  public void setOutputStream(OutputStream out) {
    // the asynchronous stream is used instead
  }

  @Override
  public void setErrorStream(OutputStream err) {
    // the asynchronous stream is used instead
  }
}
