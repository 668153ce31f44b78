package dev.bastion.server;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.keys.CertifiedUser;
import dev.bastion.recorder.VisibleText;
import dev.bastion.ssh.LoginAttributes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import org.apache.sshd.common.Service;
import org.apache.sshd.common.ServiceFactory;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.session.AbstractServerSession;
import org.apache.sshd.server.session.ServerConnectionService;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Port forwarding is refused with a reason the client prints and a {@code forwarding_refused} row
 * (merged by the {@link RefusalTally}, so a busy {@code ssh -D} costs a few rows). A channel to a
 * host ({@code -L}, {@code -D}, {@code -W}, {@code -J}) fails with a {@code bastion: ...} text in
 * its open failure, which {@code ssh} prints as {@code open failed: administratively prohibited:
 * ...}; MINA's own failure text cannot be chosen, hence this connection service. A request to
 * listen ({@code -R}) has no text in its failure, so the line waits for the connection's next
 * session and is shown there ({@link LoginAttributes#REFUSED_FORWARDING}).
 */
final class ForwardingRefusals {
  private static final Logger LOG = LoggerFactory.getLogger(ForwardingRefusals.class);
  private static final int SHOWN = 128;

  /** The bastion's name in suggestions (its first host name). */
  private final String bastionName;

  private final RefusalTally refusals;
  private final Clock clock;

  ForwardingRefusals(String bastionName, RefusalTally refusals, Clock clock) {
    this.bastionName = bastionName;
    this.refusals = refusals;
    this.clock = clock;
  }

  /** Replaces MINA's {@code ssh-connection} service. */
  ServiceFactory serviceFactory() {
    return new ServiceFactory() {
      @Override
      public String getName() {
        return "ssh-connection";
      }

      @Override
      public Service create(Session session) throws IOException {
        return new Connection((AbstractServerSession) session);
      }
    };
  }

  private final class Connection extends ServerConnectionService {
    Connection(AbstractServerSession session) throws IOException {
      super(session);
    }

    @Override
    protected void channelOpen(Buffer buffer) throws Exception {
      int start = buffer.rpos();
      String type = buffer.getString();
      if (!List.of("direct-tcpip", "direct-streamlocal@openssh.com").contains(type)) {
        buffer.rpos(start);
        super.channelOpen(buffer);
        return;
      }
      int sender = buffer.getInt();
      buffer.getUInt(); // window
      buffer.getUInt(); // packet size
      String message;
      if (type.equals("direct-tcpip")) {
        String host = VisibleText.fit(buffer.getString(), SHOWN);
        long port = buffer.getUInt();
        buffer.getString(); // originator address
        // ssh -W (and so -J) names its stdio forward this way; -L and -D name their client.
        boolean stdio = buffer.getUInt() == 65535;
        String destination = host + ":" + port;
        message =
            stdio ? notAJumpHost(host) : notAllowed("port forwarding (ssh -L, -D)", destination);
        refused(stdio ? "jump" : "port_forward", destination, message);
      } else {
        String path = VisibleText.fit(buffer.getString(), SHOWN);
        message = notAllowed("forwarding to a Unix socket (ssh -L)", path);
        refused("socket_forward", path, message);
      }
      sendChannelOpenFailure(
          buffer,
          sender,
          SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED,
          "bastion: " + message,
          "");
    }

    @Override
    protected IoWriteFuture globalRequest(Buffer buffer) throws Exception {
      int start = buffer.rpos();
      String request = buffer.getString();
      boolean tcp = request.equals("tcpip-forward");
      if (!tcp && !request.equals("streamlocal-forward@openssh.com")) {
        buffer.rpos(start);
        return super.globalRequest(buffer);
      }
      boolean wantReply = buffer.getBoolean();
      String listen = VisibleText.fit(buffer.getString(), SHOWN);
      if (tcp) {
        listen = (listen.isEmpty() ? "*" : listen) + ":" + buffer.getUInt();
      }
      String message = notAllowed("remote forwarding (ssh -R)", listen);
      refused("remote_forward", listen, message);
      LoginAttributes.refusedForwarding(getServerSession(), message);
      return sendGlobalResponse(buffer, request, RequestHandler.Result.ReplyFailure, wantReply);
    }

    private String notAJumpHost(String host) {
      String port = portOption(" -p ");
      return "this bastion is not a jump host (ssh -J, -W); log in to "
          + host
          + " through it as ssh"
          + port
          + " LOGIN@"
          + host
          + "@"
          + bastionName
          + ", or in ssh_config: Host "
          + host
          + " / HostName "
          + bastionName
          + portOption(" / Port ")
          + " / User LOGIN@"
          + host;
    }

    private String notAllowed(String what, String destination) {
      return what
          + " of "
          + destination
          + " is not allowed through this bastion; reach targets with ssh"
          + portOption(" -p ")
          + " LOGIN@TARGET@"
          + bastionName;
    }

    /** The option naming the port the client connected to, empty for 22. */
    private String portOption(String option) {
      int port =
          getServerSession().getIoSession().getLocalAddress() instanceof InetSocketAddress inet
              ? inet.getPort()
              : 22;
      return port == 22 ? "" : option + port;
    }

    private void refused(String code, String destination, String message) {
      ServerSession session = getServerSession();
      CertifiedUser user = session.getAttribute(LoginAttributes.USER);
      String source = CertificateLogin.sourceText(session);
      boolean first =
          refusals.refused(
              new AuditEvent(
                  clock.instant(),
                  AuditKind.FORWARDING_REFUSED,
                  user == null ? null : user.identity(),
                  user == null ? null : user.serialText(),
                  source,
                  null,
                  destination,
                  null,
                  code,
                  message));
      if (first) {
        LOG.info(
            "{} refused for {} from {}: {}",
            code,
            user == null ? "?" : VisibleText.fit(user.identity(), CertificateLogin.TEXT_BOUND),
            source,
            destination);
      }
    }
  }
}
