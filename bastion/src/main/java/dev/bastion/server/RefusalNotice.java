package dev.bastion.server;

import java.io.IOException;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.auth.AbstractUserAuth;
import org.apache.sshd.server.auth.UserAuth;
import org.apache.sshd.server.auth.UserAuthFactory;
import org.apache.sshd.server.session.ServerSession;

/**
 * The second login method, {@code keyboard-interactive}, offered only to say why the first failed:
 * {@code ssh} tries it once public key authentication has failed, and it answers with one
 * instruction line, {@code bastion: no certificate was offered; ...}, no prompts, and a refusal. So
 * a client that offered only plain keys learns why instead of a bare {@code Permission denied}, a
 * good certificate login never gets here (it prints nothing more), and a client in batch mode
 * (which skips keyboard-interactive) fails as fast as before. A refused certificate was already
 * told its reason by {@link CertificateLogin}'s banner, which batch clients see too; then this
 * method only refuses, so the reason is printed once. It is also said once per connection ({@code
 * ssh} retries keyboard-interactive up to three times).
 */
final class RefusalNotice extends AbstractUserAuth {
  static final String NAME = "keyboard-interactive";

  static final String NO_CERTIFICATE =
      "no certificate was offered; this bastion accepts only OpenSSH user certificates signed by"
          + " its CA (ask its admin for one and keep it next to your key as <key>-cert.pub)";

  private static final AttributeKey<Boolean> SAID = new AttributeKey<>();

  RefusalNotice() {
    super(NAME);
  }

  static UserAuthFactory factory() {
    return new UserAuthFactory() {
      @Override
      public String getName() {
        return NAME;
      }

      @Override
      public UserAuth createUserAuth(ServerSession session) {
        return new RefusalNotice();
      }
    };
  }

  @Override
  protected Boolean doAuth(Buffer buffer, boolean init) throws Exception {
    ServerSession session = getServerSession();
    if (!init) {
      expectInfoResponse(buffer);
      return Boolean.FALSE; // whatever it answers: there is nothing to log in with here
    }
    if (CertificateLogin.toldWhy(session) || session.getAttribute(SAID) != null) {
      return Boolean.FALSE;
    }
    session.setAttribute(SAID, Boolean.TRUE);
    showInstruction(session, "bastion: " + NO_CERTIFICATE);
    return null; // the client's (empty) response comes back to doAuth(buffer, false)
  }

  /**
   * Sends a keyboard-interactive request that asks nothing and only shows {@code instruction}
   * (OpenSSH prints it on stderr and answers at once with no responses).
   */
  static void showInstruction(ServerSession session, String instruction) throws IOException {
    Buffer request = session.createBuffer(SshConstants.SSH_MSG_USERAUTH_INFO_REQUEST);
    request.putString(""); // name
    request.putString(instruction);
    request.putString(""); // language tag
    request.putInt(0); // no prompts
    session.writePacket(request);
  }

  /** Reads the command byte of a keyboard-interactive answer, which must be an info response. */
  static void expectInfoResponse(Buffer buffer) throws SshException {
    int command = buffer.getUByte();
    if (command != SshConstants.SSH_MSG_USERAUTH_INFO_RESPONSE) {
      throw new SshException(
          "expected a keyboard-interactive response, got "
              + SshConstants.getCommandMessageName(command));
    }
  }
}
