package dev.bastion.oidc;

import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * The OpenID provider as the rest of the bastion sees it (single sign-on). Every method returns at
 * once: the HTTP work runs on the provider's own threads, never on an SSH or web event thread. A
 * future fails with a {@link SignInException} that says in one line what went wrong.
 */
public interface IdentityProvider extends AutoCloseable {
  /** What users see: "Sign in with {@code name()}". */
  String name();

  /** The issuer URL, as configured and as every accepted token names it. */
  String issuer();

  /**
   * RFC 8628, step one: a device code for a terminal to show, with the URL to open. Fails when the
   * provider cannot be reached or refuses this client.
   */
  CompletableFuture<DeviceCode> startDeviceLogin();

  /**
   * RFC 8628, step two: polls the provider at the interval it asked for (slowing down when told)
   * until the person approves, denies or the code expires, then verifies the identity token.
   * Cancelling the future stops the polling (the SSH client left).
   */
  CompletableFuture<SignedIn> awaitDeviceLogin(DeviceCode code);

  /**
   * The authorization code flow with PKCE, step one: where to send the browser, with the state,
   * nonce and code verifier to keep until it comes back to {@code redirectUri}.
   */
  CompletableFuture<BrowserLogin> beginBrowserLogin(URI redirectUri);

  /**
   * Step two, at the redirect URI: trades the code for tokens (with the verifier) and verifies the
   * identity token, its nonce included. The caller has already matched the state.
   */
  CompletableFuture<SignedIn> finishBrowserLogin(BrowserLogin pending, String code);

  /** Stops its threads and pending waits; nothing to do by default. */
  @Override
  default void close() {}
}
