package dev.bastion.viewer;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditLog;
import dev.bastion.keys.Revocations;
import dev.bastion.oidc.BrowserLogin;
import dev.bastion.oidc.IdentityProvider;
import dev.bastion.oidc.SignInException;
import dev.bastion.oidc.SignedIn;
import dev.bastion.policy.TargetPolicy;
import dev.bastion.web.LoginTokens;
import dev.bastion.web.SingleSignOn;
import dev.bastion.web.WebRight;
import dev.bastion.web.WebUser;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Single sign-on in the web viewer over the bastion's identity provider: the person the provider
 * vouches for holds the roles their directory groups give ({@code roles.X.oidc_groups}) with those
 * roles' web rights, until the identity token expires (8 hours at most). Refused, and audited as
 * {@code login_refused}, when the groups give no role ({@code no_role}), the identity is revoked
 * ({@code revoked_identity}) or the sign-in itself fails ({@code sso_*}).
 */
public final class BrowserSignOn implements SingleSignOn {
  private static final Logger LOG = LoggerFactory.getLogger(BrowserSignOn.class);

  private final IdentityProvider provider;
  private final TargetPolicy policy;
  private final Revocations revocations;
  private final AuditLog audit;
  private final Clock clock;

  public BrowserSignOn(
      IdentityProvider provider,
      TargetPolicy policy,
      Revocations revocations,
      AuditLog audit,
      Clock clock) {
    this.provider = provider;
    this.policy = policy;
    this.revocations = revocations;
    this.audit = audit;
    this.clock = clock;
  }

  @Override
  public String name() {
    return provider.name();
  }

  @Override
  public CompletableFuture<SignIn> begin(URI redirectUri) {
    return provider
        .beginBrowserLogin(redirectUri)
        .handle(
            (login, failure) -> {
              if (failure != null) {
                throw refusal(failure, null);
              }
              return new Pending(login);
            });
  }

  @Override
  public SignIn resume(JsonObject saved) {
    return new Pending(
        new BrowserLogin(
            URI.create(saved.getString("authorization_url")),
            saved.getString("state"),
            saved.getString("nonce"),
            saved.getString("code_verifier"),
            URI.create(saved.getString("redirect_uri"))));
  }

  /**
   * A sign-in under way at the provider; the nonce and verifier stay in {@code login}, and in the
   * fleet's map of sign-ins under way (keyed by the hash of the browser's cookie) until it returns.
   */
  private final class Pending implements SignIn {
    private final BrowserLogin login;

    Pending(BrowserLogin login) {
      this.login = login;
    }

    @Override
    public URI authorizationUrl() {
      return login.authorizationUrl();
    }

    @Override
    public String state() {
      return login.state();
    }

    @Override
    public CompletableFuture<SignedOn> finish(String code) {
      // Async: the revocation list is a file, never read on the web server's event loop.
      return provider
          .finishBrowserLogin(login, code)
          .handleAsync(
              (signedIn, failure) -> {
                if (failure != null) {
                  throw refusal(failure, null);
                }
                return accept(signedIn);
              });
    }

    @Override
    public void failed(String error) {
      SignInException.Reason reason =
          error.equals("access_denied")
              ? SignInException.Reason.DENIED
              : SignInException.Reason.PROVIDER_ERROR;
      refused(null, reason.code(), "web sign-in: the provider answered " + error);
    }

    @Override
    public JsonObject saved() {
      return new JsonObject()
          .put("authorization_url", login.authorizationUrl().toString())
          .put("state", login.state())
          .put("nonce", login.nonce())
          .put("code_verifier", login.codeVerifier())
          .put("redirect_uri", login.redirectUri().toString());
    }
  }

  /** The web user this verified person is, or a refusal (audited) when they may not log in. */
  private SignedOn accept(SignedIn who) {
    String detail =
        "issuer "
            + who.issuer()
            + ", subject "
            + who.subject()
            + ", groups "
            + (who.groups().isEmpty() ? "(none)" : String.join(",", who.groups()));
    if (revocations.current().findIdentity(who.identity()).isPresent()) {
      refused(who.identity(), "revoked_identity", "web sign-in: " + detail);
      throw new CompletionException(
          new Refused("The identity " + who.identity() + " is revoked on this bastion."));
    }
    List<String> roles = policy.rolesForGroups(who.groups());
    if (roles.isEmpty()) {
      refused(who.identity(), "no_role", "web sign-in: " + detail);
      throw new CompletionException(
          new Refused(
              "Signed in as "
                  + who.identity()
                  + ", but your groups at "
                  + provider.name()
                  + " ("
                  + (who.groups().isEmpty() ? "none" : String.join(", ", who.groups()))
                  + ") give you no role on this bastion. Ask its operators for access."));
    }
    Set<WebRight> rights = policy.rightsOfRoles(roles);
    Instant latest = clock.instant().plus(LoginTokens.MAX_SESSION);
    Instant until = who.tokenExpiresAt().isBefore(latest) ? who.tokenExpiresAt() : latest;
    return new SignedOn(
        new WebUser(who.identity(), null, Set.copyOf(roles), rights, until),
        detail + ", roles " + String.join(",", roles));
  }

  /** The refusal to show for a failed sign-in step; provider failures are audited here. */
  private CompletionException refusal(Throwable failure, String identity) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof Refused refused) {
      return new CompletionException(refused);
    }
    if (cause instanceof SignInException e) {
      refused(identity, e.reason().code(), "web sign-in: " + e.getMessage());
      return new CompletionException(new Refused(e.getMessage()));
    }
    LOG.error("web sign-in failed", cause);
    return new CompletionException(
        new Refused(
            "The sign-in failed on the bastion; the operator finds the reason in its log."));
  }

  private void refused(String identity, String code, String detail) {
    audit.record(
        new AuditEvent(
            clock.instant(),
            AuditKind.LOGIN_REFUSED,
            identity,
            null,
            null,
            null,
            null,
            null,
            code,
            detail));
  }
}
