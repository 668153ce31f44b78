package dev.bastion.oidc;

import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationResponse;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallenge;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import dev.bastion.config.BastionConfig;
import dev.bastion.oidc.SignInException.Reason;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured OpenID provider ({@code oidc:}), spoken to with the Nimbus OAuth 2.0 SDK. {@link
 * #start} returns at once: discovery runs in the background (retried while the provider is down,
 * refreshed every {@code refresh}), so a provider that is down never delays or stops the bastion.
 * Every HTTP exchange runs on this provider's own few threads, with connect and read timeouts.
 */
public final class OidcProvider implements IdentityProvider {
  private static final Logger LOG = LoggerFactory.getLogger(OidcProvider.class);
  private static final Scope SCOPE = new Scope("openid", "email", "profile");
  private static final int THREADS = 4;

  private final BastionConfig.Oidc config;
  private final Clock clock;
  private final ScheduledThreadPoolExecutor executor;
  private final ProviderLink link;
  private final Discovery discovery;
  private final TokenEndpoint tokens;
  private final DevicePolling polling;

  private OidcProvider(BastionConfig.Oidc config, Clock clock) {
    this.config = config;
    this.clock = clock;
    AtomicInteger count = new AtomicInteger();
    this.executor =
        new ScheduledThreadPoolExecutor(
            THREADS,
            r -> {
              Thread t = new Thread(r, "oidc-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
    this.link = new ProviderLink(config.name(), config.issuer().toString());
    this.discovery = new Discovery(config, link, executor);
    this.tokens = new TokenEndpoint(config, link);
    this.polling = new DevicePolling(discovery, tokens, link, executor, clock);
  }

  /** Starts fetching the discovery document in the background; never blocks, never fails. */
  public static OidcProvider start(BastionConfig.Oidc config, Clock clock) {
    OidcProvider provider = new OidcProvider(config, clock);
    provider.discovery.start();
    return provider;
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
    return onProvider(p -> deviceCode(p.metadata()));
  }

  @Override
  public CompletableFuture<SignedIn> awaitDeviceLogin(DeviceCode code) {
    CompletableFuture<SignedIn> result = polling.await(code);
    result.whenComplete((signedIn, failure) -> logFailure(failure));
    return result;
  }

  @Override
  public CompletableFuture<BrowserLogin> beginBrowserLogin(URI redirectUri) {
    return onProvider(p -> browserLogin(p.metadata(), redirectUri));
  }

  @Override
  public CompletableFuture<SignedIn> finishBrowserLogin(BrowserLogin pending, String code) {
    return onProvider(p -> finish(p, pending, code));
  }

  /** Stops the background discovery and ends any polling. */
  @Override
  public void close() {
    polling.close();
    executor.shutdownNow();
  }

  private DeviceCode deviceCode(OIDCProviderMetadata metadata) throws SignInException {
    URI endpoint = metadata.getDeviceAuthorizationEndpointURI();
    if (endpoint == null) {
      throw new SignInException(
          Reason.PROVIDER_ERROR, name() + " does not offer sign-in with a device code");
    }
    CodeVerifier verifier = new CodeVerifier();
    HTTPResponse response =
        link.send(
            tokens
                .deviceRequest(metadata)
                .endpointURI(endpoint)
                .scope(SCOPE)
                // PKCE on the device request too: Keycloak requires it of clients that require
                // PKCE.
                .customParameter(
                    "code_challenge",
                    CodeChallenge.compute(CodeChallengeMethod.S256, verifier).getValue())
                .customParameter("code_challenge_method", CodeChallengeMethod.S256.getValue())
                .build()
                .toHTTPRequest(),
            "device authorization request");
    DeviceAuthorizationResponse parsed;
    try {
      parsed = DeviceAuthorizationResponse.parse(response);
    } catch (ParseException e) {
      throw link.malformed("device authorization request", e);
    }
    if (!parsed.indicatesSuccess()) {
      throw link.refused("device authorization request", parsed.toErrorResponse().getErrorObject());
    }
    DeviceAuthorizationSuccessResponse ok = parsed.toSuccessResponse();
    return new DeviceCode(
        ok.getUserCode().getValue(),
        ok.getVerificationURI(),
        Optional.ofNullable(ok.getVerificationURIComplete()),
        clock.instant().plusSeconds(ok.getLifetime()),
        Duration.ofSeconds(Math.max(1, ok.getInterval())),
        ok.getDeviceCode().getValue(),
        verifier.getValue());
  }

  private BrowserLogin browserLogin(OIDCProviderMetadata metadata, URI redirectUri) {
    State state = new State();
    Nonce nonce = new Nonce();
    CodeVerifier verifier = new CodeVerifier();
    URI url =
        new AuthenticationRequest.Builder(ResponseType.CODE, SCOPE, tokens.clientId(), redirectUri)
            .endpointURI(metadata.getAuthorizationEndpointURI())
            .state(state)
            .nonce(nonce)
            .codeChallenge(verifier, CodeChallengeMethod.S256)
            .build()
            .toURI();
    return new BrowserLogin(
        url, state.getValue(), nonce.getValue(), verifier.getValue(), redirectUri);
  }

  private SignedIn finish(Discovery.Provider provider, BrowserLogin pending, String code)
      throws SignInException {
    TokenEndpoint.Answer answer =
        tokens.exchange(
            provider.metadata(),
            new AuthorizationCodeGrant(
                new AuthorizationCode(code),
                pending.redirectUri(),
                new CodeVerifier(pending.codeVerifier())));
    if (answer.error().isPresent()) {
      if ("invalid_grant".equals(answer.error().get().getCode())) {
        throw new SignInException(
            Reason.EXPIRED,
            "the sign-in with "
                + name()
                + " is no longer valid (it expired or was used); sign in again");
      }
      throw link.refused("sign-in", answer.error().get());
    }
    return provider.tokens().verify(answer.idToken().orElseThrow(), new Nonce(pending.nonce()));
  }

  /** A step that needs the discovered provider; may block (it runs on the provider's threads). */
  private interface Step<T> {
    T run(Discovery.Provider provider) throws SignInException;
  }

  /**
   * Runs {@code step} on this provider's threads once the provider is discovered; the future fails
   * with the {@link SignInException} itself (not wrapped).
   */
  private <T> CompletableFuture<T> onProvider(Step<T> step) {
    CompletableFuture<T> result = new CompletableFuture<>();
    discovery
        .provider()
        .whenComplete(
            (provider, failure) -> {
              if (failure != null) {
                result.completeExceptionally(unwrap(failure));
                return;
              }
              try {
                executor.execute(() -> run(step, provider, result));
              } catch (RejectedExecutionException e) {
                result.completeExceptionally(
                    new SignInException(
                        Reason.PROVIDER_UNAVAILABLE, "the bastion is shutting down"));
              }
            });
    result.whenComplete((value, failure) -> logFailure(failure));
    return result;
  }

  private static <T> void run(
      Step<T> step, Discovery.Provider provider, CompletableFuture<T> result) {
    try {
      result.complete(step.run(provider));
    } catch (SignInException e) {
      result.completeExceptionally(e);
    } catch (RuntimeException e) {
      LOG.error("sign-in step failed", e);
      result.completeExceptionally(
          new SignInException(Reason.PROVIDER_ERROR, "the sign-in failed in the bastion"));
    }
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }

  private void logFailure(Throwable failure) {
    if (failure instanceof SignInException e) {
      LOG.info("sign-in with {} failed: {} ({})", name(), e.getMessage(), e.reason().code());
    }
  }
}
