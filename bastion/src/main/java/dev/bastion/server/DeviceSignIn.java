package dev.bastion.server;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.keys.CertifiedUser;
import dev.bastion.keys.TimeSpans;
import dev.bastion.oidc.DeviceCode;
import dev.bastion.oidc.IdentityProvider;
import dev.bastion.oidc.SignInException;
import dev.bastion.oidc.SignedIn;
import dev.bastion.recorder.VisibleText;
import dev.bastion.ssh.LoginAttributes;
import dev.bastion.ssh.SsoLogin;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.auth.AbstractUserAuth;
import org.apache.sshd.server.auth.AsyncAuthException;
import org.apache.sshd.server.auth.UserAuth;
import org.apache.sshd.server.auth.UserAuthFactory;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Single sign-on inside plain {@code ssh}: {@code keyboard-interactive} runs the OAuth 2.0 device
 * flow (RFC 8628). One info request with no prompts shows where to sign in (the complete URL, the
 * URL and code, how long the code lasts); the client answers at once, and the bastion polls the
 * provider while the login waits (MINA's asynchronous authentication: no thread waits). On approval
 * the person's groups give their roles ({@link SsoUsers}) and the connection logs in as that
 * identity; otherwise one {@code bastion: <why>} line (a banner) and a refusal, audited. At most
 * one device flow per connection; the login timeout is raised to the code's lifetime while it runs;
 * polling stops when the client leaves. Clients in batch mode skip this method.
 */
final class DeviceSignIn extends AbstractUserAuth {
  static final String NAME = "keyboard-interactive";

  private static final Logger LOG = LoggerFactory.getLogger(DeviceSignIn.class);
  private static final AttributeKey<Boolean> STARTED = new AttributeKey<>();

  /** Beyond the code's lifetime, time for the last poll and the login's answer. */
  private static final Duration TIMEOUT_MARGIN = Duration.ofSeconds(30);

  private final IdentityProvider provider;
  private final SsoUsers users;
  private final AcceptedLogins accepted;
  private final RefusalTally refusals;
  private final Clock clock;
  private volatile DeviceCode code;
  private volatile CompletableFuture<?> pending = CompletableFuture.completedFuture(null);

  private DeviceSignIn(
      IdentityProvider provider,
      SsoUsers users,
      AcceptedLogins accepted,
      RefusalTally refusals,
      Clock clock) {
    super(NAME);
    this.provider = provider;
    this.users = users;
    this.accepted = accepted;
    this.refusals = refusals;
    this.clock = clock;
  }

  static UserAuthFactory factory(
      IdentityProvider provider,
      SsoUsers users,
      AcceptedLogins accepted,
      RefusalTally refusals,
      Clock clock) {
    return new UserAuthFactory() {
      @Override
      public String getName() {
        return NAME;
      }

      @Override
      public UserAuth createUserAuth(ServerSession session) {
        return new DeviceSignIn(provider, users, accepted, refusals, clock);
      }
    };
  }

  @Override
  protected Boolean doAuth(Buffer buffer, boolean init) throws Exception {
    ServerSession session = getServerSession();
    if (!init) {
      RefusalNotice.expectInfoResponse(buffer);
      return awaitApproval(session);
    }
    if (session.getAttribute(STARTED) != null) {
      return Boolean.FALSE; // one device flow per connection; ssh retries this method
    }
    session.setAttribute(STARTED, Boolean.TRUE);
    session.addCloseFutureListener(closed -> pending.cancel(true));
    AsyncAuthException started = new AsyncAuthException();
    CompletableFuture<DeviceCode> starting = provider.startDeviceLogin();
    pending = starting;
    starting.whenComplete(
        (device, failure) -> {
          if (failure != null) {
            refuse(session, started, null, failure);
          } else {
            show(session, started, device);
          }
        });
    throw started; // answered by show's info request, or failed by refuse
  }

  /** Tells the person where to sign in; their client answers at once (there are no prompts). */
  private void show(ServerSession session, AsyncAuthException started, DeviceCode device) {
    code = device;
    Duration lifetime = Duration.between(clock.instant(), device.expiresAt());
    CoreModuleProperties.AUTH_TIMEOUT.set(session, lifetime.plus(TIMEOUT_MARGIN));
    session.resetAuthTimeout();
    try {
      RefusalNotice.showInstruction(session, instruction(device, lifetime));
    } catch (Exception e) {
      LOG.debug("cannot show the sign-in to {}: {}", source(session), e.toString());
      started.setAuthed(false);
    }
  }

  /** What the terminal shows; the provider's text is escaped and bounded. */
  String instruction(DeviceCode device, Duration lifetime) {
    StringBuilder text =
        new StringBuilder("bastion: sign in with " + users.providerName() + " to continue:\n");
    device
        .verificationUriComplete()
        .ifPresent(uri -> text.append("  ").append(shown(uri.toString())).append('\n'));
    text.append(device.verificationUriComplete().isPresent() ? "or open " : "open ")
        .append(shown(device.verificationUri().toString()))
        .append(" and enter the code ")
        .append(shown(device.userCode()))
        .append("\n(the code is valid for ")
        .append(TimeSpans.describe(lifetime.isNegative() ? Duration.ZERO : lifetime))
        .append(')');
    return text.toString();
  }

  private static String shown(String providerText) {
    return VisibleText.fit(providerText, CertificateLogin.TEXT_BOUND);
  }

  /** The client answered the info request: poll until the person approves, denies or time ends. */
  private Boolean awaitApproval(ServerSession session) {
    DeviceCode device = code;
    if (device == null) {
      return Boolean.FALSE; // an answer to nothing
    }
    AsyncAuthException approval = new AsyncAuthException();
    Optional<PublicKey> provenKey =
        Optional.ofNullable(session.getAttribute(LoginAttributes.PROVEN_KEY));
    CompletableFuture<SignedIn> waiting = provider.awaitDeviceLogin(device);
    pending = waiting;
    waiting.whenComplete(
        (person, failure) -> {
          if (failure != null) {
            refuse(session, approval, null, failure);
            return;
          }
          try {
            CertifiedUser user = users.admit(person, provenKey);
            admit(session, person, provenKey, user);
            approval.setAuthed(true);
          } catch (SsoUsers.Refused refused) {
            refuse(session, approval, person.identity(), refused);
          } catch (RuntimeException e) {
            LOG.error("sign-in of {} failed", VisibleText.fit(person.identity(), 256), e);
            refuse(session, approval, person.identity(), e);
          }
        });
    throw approval;
  }

  private void admit(
      ServerSession session, SignedIn person, Optional<PublicKey> provenKey, CertifiedUser user) {
    session.setAttribute(
        LoginAttributes.SSO, new SsoLogin(users.providerName(), person, provenKey));
    accepted.accept(
        session,
        getUsername(),
        user,
        "oidc",
        user.serialText(),
        "issuer "
            + person.issuer()
            + ", subject "
            + VisibleText.fit(person.subject(), CertificateLogin.TEXT_BOUND)
            + ", groups "
            + VisibleText.fit(String.join(",", person.groups()), CertificateLogin.TEXT_BOUND)
            + ", roles "
            + String.join(",", user.principals())
            + ", key "
            + (user.keyFingerprint().isEmpty() ? "(none proven)" : user.keyFingerprint()));
  }

  /** One line to the person, one row (through the tally), and the login fails. */
  private void refuse(
      ServerSession session, AsyncAuthException attempt, String identity, Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof CancellationException || session.isClosing() || !session.isOpen()) {
      // The client left, or MINA ended this method for another request: nobody waits for an
      // answer, and one now would end the attempt that replaced this one.
      return;
    }
    String code;
    String message;
    if (cause instanceof SignInException signIn) {
      code = signIn.reason().code();
      message = signIn.getMessage();
    } else if (cause instanceof SsoUsers.Refused refused) {
      code = refused.code();
      message = refused.getMessage();
    } else {
      code = SignInException.Reason.PROVIDER_ERROR.code();
      message = "sign-in with " + users.providerName() + " failed; try again later";
    }
    message = VisibleText.fit(message, CertificateLogin.TEXT_BOUND);
    FailedLogin.settled(session); // this row is the connection's refusal
    String userName = VisibleText.fit(getUsername(), CertificateLogin.USER_NAME_BOUND);
    boolean first =
        refusals.refused(
            new AuditEvent(
                clock.instant(),
                AuditKind.LOGIN_REFUSED,
                identity == null ? null : VisibleText.fit(identity, CertificateLogin.TEXT_BOUND),
                null,
                source(session),
                null,
                null,
                null,
                code,
                message + " (user " + userName + ", single sign-on)"));
    if (first) {
      LOG.info("sign-in refused from {} as {}: {}", source(session), userName, message);
    }
    CertificateLogin.tell(session, message);
    attempt.setAuthed(false);
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static String source(ServerSession session) {
    return CertificateLogin.sourceText(session);
  }

  /** MINA ends this method (another request, success or failure): stop polling if it still runs. */
  @Override
  public void destroy() {
    pending.cancel(true);
    super.destroy();
  }
}
