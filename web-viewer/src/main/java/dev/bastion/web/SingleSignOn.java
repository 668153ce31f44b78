package dev.bastion.web;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * Signing in to the web viewer through the company's identity provider (OpenID Connect, the
 * authorization code flow with PKCE). The bastion implements it over its provider; the web viewer
 * keeps the sign-ins under way, checks that the browser coming back is the one that left, and
 * starts the web session. Every method returns at once; the provider's HTTP work runs elsewhere.
 */
public interface SingleSignOn {
  /** What the login page offers: "Sign in with {@code name()}". */
  String name();

  /**
   * Starts a sign-in that comes back to {@code redirectUri}: where to send the browser and the
   * state it must bring back. Fails with {@link Refused} when the provider cannot be used now.
   */
  CompletableFuture<SignIn> begin(URI redirectUri);

  /**
   * The sign-in {@link SignIn#saved()} wrote, possibly on another node of the fleet: the browser
   * may come back from the provider to any node.
   */
  SignIn resume(JsonObject saved);

  /**
   * A sign-in under way; its secrets (nonce, PKCE verifier) stay inside the implementation and the
   * fleet's shared map of sign-ins under way ({@link #saved()}), never in the browser.
   */
  interface SignIn {
    /** The provider's authorization page for this sign-in. */
    URI authorizationUrl();

    /** The state the browser must bring back to the redirect URI. */
    String state();

    /**
     * The browser came back with {@code code}: trades it at the provider and decides who this is.
     * Fails with {@link Refused} (one line for the person) when the sign-in is not accepted.
     */
    CompletableFuture<SignedOn> finish(String code);

    /**
     * The browser came back with an OAuth error instead of a code (such as {@code access_denied});
     * for the audit log. Returns at once.
     */
    void failed(String error);

    /** What {@link SingleSignOn#resume} needs to finish this sign-in on any node. */
    JsonObject saved();
  }

  /**
   * Someone the provider vouched for and the bastion accepted: the web user (their session ends by
   * {@link WebUser#expiresAt()}) and what the {@code web_login} row says about the sign-in.
   */
  record SignedOn(WebUser user, String detail) {}

  /** A sign-in not accepted; the message is one line for the person, without secrets. */
  final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    public Refused(String message) {
      super(message);
    }
  }
}
