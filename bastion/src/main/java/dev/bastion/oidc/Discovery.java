package dev.bastion.oidc;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import dev.bastion.config.BastionConfig;
import dev.bastion.oidc.SignInException.Reason;
import java.net.MalformedURLException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider's discovery document ({@code <issuer>/.well-known/openid-configuration}), fetched in
 * the background at start, retried with backoff while the provider is down and refreshed every
 * {@code refresh}. A sign-in before the first success tries once more at that moment.
 */
final class Discovery {
  private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);
  private static final Duration FIRST_RETRY = Duration.ofSeconds(2);
  private static final Duration MAX_RETRY = Duration.ofMinutes(5);
  private static final int JWKS_SIZE_LIMIT = 512 * 1024;

  /**
   * What a fetched document gives: the endpoints and the identity token check built on its keys.
   */
  record Provider(OIDCProviderMetadata metadata, IdTokenCheck tokens) {}

  private final BastionConfig.Oidc config;
  private final ProviderLink link;
  private final ScheduledExecutorService executor;
  private volatile Provider current;
  private CompletableFuture<Provider> fetching;
  private Duration retry = FIRST_RETRY;

  Discovery(BastionConfig.Oidc config, ProviderLink link, ScheduledExecutorService executor) {
    this.config = config;
    this.link = link;
    this.executor = executor;
  }

  /** Fetches in the background now; returns at once. */
  void start() {
    executor.execute(this::scheduledFetch);
  }

  /** The provider as last discovered, or one fetch now if it never was. */
  CompletableFuture<Provider> provider() {
    Provider known = current;
    if (known != null) {
      return CompletableFuture.completedFuture(known);
    }
    synchronized (this) {
      if (fetching == null || fetching.isDone()) {
        CompletableFuture<Provider> attempt = new CompletableFuture<>();
        fetching = attempt;
        executor.execute(() -> complete(attempt));
      }
      return fetching;
    }
  }

  /** The provider as last discovered (without waiting), for steps after a first success. */
  Provider known() throws SignInException {
    Provider known = current;
    if (known == null) {
      throw new SignInException(
          Reason.PROVIDER_UNAVAILABLE, link.name() + " has not been reached yet");
    }
    return known;
  }

  private void complete(CompletableFuture<Provider> attempt) {
    try {
      attempt.complete(fetch());
    } catch (SignInException e) {
      attempt.completeExceptionally(e);
    } catch (RuntimeException e) {
      LOG.error("discovery of {} failed", link.name(), e);
      attempt.completeExceptionally(
          new SignInException(
              Reason.PROVIDER_ERROR, "the discovery of " + link.name() + " failed"));
    }
  }

  private void scheduledFetch() {
    CompletableFuture<Provider> attempt = new CompletableFuture<>();
    synchronized (this) {
      // Sign-ins waiting for a first discovery share this attempt.
      if (fetching == null || fetching.isDone()) {
        fetching = attempt;
      }
    }
    complete(attempt);
    Duration next = config.refresh();
    Throwable failure = attempt.handle((provider, e) -> e).join();
    if (failure == null) {
      retry = FIRST_RETRY;
    } else {
      next = retry;
      retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
      LOG.warn("{}; trying again in {}s", failure.getMessage(), next.toSeconds());
    }
    if (!executor.isShutdown()) {
      try {
        executor.schedule(this::scheduledFetch, next.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // closed meanwhile
      }
    }
  }

  private Provider fetch() throws SignInException {
    URI uri =
        URI.create(stripSlash(config.issuer().toString()) + "/.well-known/openid-configuration");
    HTTPResponse response = link.send(new HTTPRequest(HTTPRequest.Method.GET, uri), "discovery");
    if (response.getStatusCode() != 200) {
      throw new SignInException(
          Reason.PROVIDER_ERROR,
          link.name()
              + "'s discovery document at "
              + uri
              + " answered HTTP "
              + response.getStatusCode());
    }
    OIDCProviderMetadata metadata;
    try {
      metadata = OIDCProviderMetadata.parse(response.getBody());
    } catch (ParseException e) {
      throw link.malformed("discovery request", e);
    }
    String named = metadata.getIssuer().getValue();
    if (!named.equals(config.issuer().toString())) {
      SignInException wrong =
          new SignInException(
              Reason.PROVIDER_ERROR,
              link.name()
                  + "'s discovery document names the issuer "
                  + named
                  + ", not the configured "
                  + config.issuer()
                  + "; check oidc.issuer");
      LOG.error(wrong.getMessage());
      throw wrong;
    }
    Provider provider = new Provider(metadata, tokenCheck(metadata));
    if (current == null) {
      LOG.info("discovered {} at {}", link.name(), named);
    }
    current = provider;
    return provider;
  }

  private IdTokenCheck tokenCheck(OIDCProviderMetadata metadata) throws SignInException {
    if (metadata.getJWKSetURI() == null) {
      throw new SignInException(
          Reason.PROVIDER_ERROR, link.name() + "'s discovery document has no jwks_uri");
    }
    JWKSource<SecurityContext> keys;
    try {
      keys =
          JWKSourceBuilder.<SecurityContext>create(
                  metadata.getJWKSetURI().toURL(),
                  new DefaultResourceRetriever(
                      (int) ProviderLink.CONNECT_TIMEOUT.toMillis(),
                      (int) ProviderLink.READ_TIMEOUT.toMillis(),
                      JWKS_SIZE_LIMIT))
              .refreshAheadCache(false)
              .build();
    } catch (MalformedURLException | IllegalArgumentException e) {
      throw link.malformed("discovery request", e);
    }
    return new IdTokenCheck(
        link.name(),
        metadata.getIssuer(),
        new ClientID(config.clientId()),
        signingAlgorithms(metadata.getIDTokenJWSAlgs()),
        keys,
        config.identityClaim(),
        config.groupsClaim());
  }

  /** The public-key algorithms the provider signs identity tokens with (RS256 if it names none). */
  static Set<JWSAlgorithm> signingAlgorithms(List<JWSAlgorithm> advertised) {
    Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
    if (advertised != null) {
      for (JWSAlgorithm algorithm : advertised) {
        if (JWSAlgorithm.Family.SIGNATURE.contains(algorithm)) {
          algorithms.add(algorithm);
        }
      }
    }
    if (algorithms.isEmpty()) {
      algorithms.add(JWSAlgorithm.RS256);
    }
    return algorithms;
  }

  private static String stripSlash(String issuer) {
    return issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
  }
}
