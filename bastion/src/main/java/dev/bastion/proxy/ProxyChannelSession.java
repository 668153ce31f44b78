package dev.bastion.proxy;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.keys.CertifiedUser;
import dev.bastion.ssh.LoginAttributes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.PtyMode;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.session.ServerSession;

/**
 * The server side of an engineer's session channel. It keeps what the client asked for (terminal,
 * environment of ssh.accept_env), refuses what the bastion does not allow (agent and X11
 * forwarding, a terminal the certificate does not permit) with a line that says so, and hands
 * shell, exec and sftp to a {@link SessionCommand}; window changes, signals and breaks go straight
 * through.
 */
public final class ProxyChannelSession extends ChannelSession {
  private final SessionServices services;
  private final Map<String, String> forwardedEnv = new LinkedHashMap<>();
  private final List<String> notices = new ArrayList<>();
  private PtyRequest pty;
  private SessionCommand command;

  ProxyChannelSession(SessionServices services) {
    this.services = services;
  }

  /** Replaces MINA's "session" channel factory. */
  public static ChannelFactory factory(SessionServices services) {
    return new ChannelFactory() {
      @Override
      public String getName() {
        return "session";
      }

      @Override
      public org.apache.sshd.common.channel.Channel createChannel(Session session) {
        return new ProxyChannelSession(services);
      }
    };
  }

  @Override
  protected RequestHandler.Result handleEnvParsed(String name, String value) throws IOException {
    // Only those of ssh.accept_env (by default locale, terminal type and GIT_PROTOCOL).
    if (!services.config().ssh().acceptEnv().accepts(name)) {
      return RequestHandler.Result.ReplyFailure;
    }
    forwardedEnv.put(name, value);
    return super.handleEnvParsed(name, value);
  }

  @Override
  protected RequestHandler.Result handlePtyReqParsed(
      String term, int columns, int rows, int width, int height, Map<PtyMode, Integer> modes)
      throws IOException {
    CertifiedUser user = getServerSession().getAttribute(LoginAttributes.USER);
    if (user != null && !user.permits("pty")) {
      notices.add(
          "your certificate does not permit a terminal (permit-pty); continuing without one");
      return RequestHandler.Result.ReplyFailure;
    }
    pty = new PtyRequest(term, columns, rows, width, height, modes);
    return super.handlePtyReqParsed(
        term, pty.columns(), pty.rows(), pty.width(), pty.height(), modes);
  }

  @Override
  protected RequestHandler.Result handleWindowChangeParsed(
      int columns, int rows, int width, int height) {
    if (command != null) {
      command.windowChanged(columns, rows, width, height);
    }
    return RequestHandler.Result.ReplySuccess;
  }

  @Override
  protected RequestHandler.Result handleSignalParsed(String name) {
    if (command != null) {
      command.signal(name);
    }
    return RequestHandler.Result.ReplySuccess;
  }

  @Override
  protected RequestHandler.Result handleBreakParsed(long length) {
    if (command != null) {
      command.sendBreak(length);
    }
    return RequestHandler.Result.ReplySuccess;
  }

  @Override
  protected RequestHandler.Result handleAgentForwardingParsed(String requestType) {
    return refused(
        "agent",
        "agent forwarding is not allowed through the bastion; your agent stays on your machine");
  }

  @Override
  protected RequestHandler.Result handleX11ForwardingParsed(
      String requestType,
      ServerSession session,
      boolean singleConnection,
      String authProtocol,
      String authCookie,
      int screenId) {
    return refused("x11", "X11 forwarding is not allowed through the bastion");
  }

  /** Tells the user before the session starts, and leaves a {@code forwarding_refused} row. */
  private RequestHandler.Result refused(String code, String notice) {
    notices.add(notice);
    CertifiedUser user = getServerSession().getAttribute(LoginAttributes.USER);
    services
        .audit()
        .record(
            new AuditEvent(
                services.clock().instant(),
                AuditKind.FORWARDING_REFUSED,
                user == null ? null : user.identity(),
                user == null ? null : user.serialText(),
                SessionCommand.source(getServerSession()),
                null,
                null,
                null,
                code,
                notice));
    return RequestHandler.Result.ReplyFailure;
  }

  @Override
  protected RequestHandler.Result handleShellParsed(String request) throws IOException {
    return begin(request, new SessionCommand(this, services, SessionKind.SHELL, null));
  }

  @Override
  protected RequestHandler.Result handleExecParsed(String request, String commandLine)
      throws IOException {
    return begin(request, new SessionCommand(this, services, SessionKind.EXEC, commandLine));
  }

  @Override
  protected RequestHandler.Result handleSubsystemParsed(String request, String subsystem)
      throws IOException {
    if (!"sftp".equals(subsystem)) {
      return RequestHandler.Result.ReplyFailure;
    }
    return begin(request, new SessionCommand(this, services, SessionKind.SFTP, null));
  }

  private RequestHandler.Result begin(String request, SessionCommand created) throws IOException {
    this.command = created;
    this.commandInstance = created;
    return prepareChannelCommand(request, created);
  }

  PtyRequest pty() {
    return pty;
  }

  Map<String, String> forwardedEnv() {
    return Map.copyOf(forwardedEnv);
  }

  /**
   * What to tell before the session starts: refused remote forwarding first, then this channel's.
   */
  List<String> notices() {
    List<String> all = new ArrayList<>(LoginAttributes.takeRefusedForwarding(getServerSession()));
    all.addAll(notices);
    return all;
  }

  /** Ends the channel as a process killed by a signal would: EOF, exit-signal, close. */
  void exitBySignal(String signal) throws IOException {
    if (isClosing()) {
      commandExitFuture.setClosed();
      return;
    }
    sendEof();
    Buffer buffer = getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST);
    buffer.putUInt(getRecipient());
    buffer.putString("exit-signal");
    buffer.putBoolean(false);
    buffer.putString(signal);
    buffer.putBoolean(false);
    buffer.putString("");
    buffer.putString("");
    writePacket(buffer);
    commandExitFuture.setClosed();
    close(false);
  }
}
