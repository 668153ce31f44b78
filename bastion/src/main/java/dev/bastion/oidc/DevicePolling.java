package dev.bastion.oidc;

import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.device.DeviceCodeGrant;
import dev.bastion.oidc.SignInException.Reason;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 8628 section 3.4-3.5: polls the token endpoint at the interval the provider asked for, 5 s
 * slower after each {@code slow_down}, until the person approves ({@link SignedIn}), denies ({@link
 * Reason#DENIED}) or the code expires ({@link Reason#EXPIRED}); a provider that cannot be reached
 * ends the wait at once ({@link Reason#PROVIDER_UNAVAILABLE}). Cancelling the future stops the
 * polling.
 */
final class DevicePolling {
  private static final Logger LOG = LoggerFactory.getLogger(DevicePolling.class);
  private static final Duration SLOW_DOWN = Duration.ofSeconds(5);

  private final Discovery discovery;
  private final TokenEndpoint tokens;
  private final ProviderLink link;
  private final ScheduledExecutorService executor;
  private final Clock clock;
  private final Set<CompletableFuture<SignedIn>> waiting = ConcurrentHashMap.newKeySet();

  DevicePolling(
      Discovery discovery,
      TokenEndpoint tokens,
      ProviderLink link,
      ScheduledExecutorService executor,
      Clock clock) {
    this.discovery = discovery;
    this.tokens = tokens;
    this.link = link;
    this.executor = executor;
    this.clock = clock;
  }

  CompletableFuture<SignedIn> await(DeviceCode code) {
    CompletableFuture<SignedIn> result = new CompletableFuture<>();
    waiting.add(result);
    result.whenComplete((signedIn, failure) -> waiting.remove(result));
    new Poll(code, result).schedule(code.interval());
    return result;
  }

  /** Ends every wait (the bastion stops). */
  void close() {
    for (CompletableFuture<SignedIn> result : waiting) {
      result.completeExceptionally(
          new SignInException(Reason.PROVIDER_UNAVAILABLE, "the bastion is shutting down"));
    }
  }

  /** One device code's polling. */
  private final class Poll {
    private final DeviceCode code;
    private final CompletableFuture<SignedIn> result;
    private Duration interval;
    private volatile ScheduledFuture<?> next;

    Poll(DeviceCode code, CompletableFuture<SignedIn> result) {
      this.code = code;
      this.result = result;
      this.interval = code.interval();
      result.whenComplete((signedIn, failure) -> cancelNext());
    }

    void schedule(Duration delay) {
      if (result.isDone()) {
        return;
      }
      try {
        next = executor.schedule(this::poll, delay.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        result.completeExceptionally(
            new SignInException(Reason.PROVIDER_UNAVAILABLE, "the bastion is shutting down"));
        return;
      }
      if (result.isDone()) {
        cancelNext();
      }
    }

    private void cancelNext() {
      ScheduledFuture<?> scheduled = next;
      if (scheduled != null) {
        scheduled.cancel(false);
      }
    }

    private void poll() {
      if (result.isDone()) {
        return;
      }
      try {
        boolean expired = !clock.instant().isBefore(code.expiresAt());
        Discovery.Provider provider = discovery.known();
        TokenEndpoint.Answer answer =
            tokens.exchange(
                provider.metadata(),
                new DeviceCodeGrant(
                    new com.nimbusds.oauth2.sdk.device.DeviceCode(code.deviceCode())),
                "code_verifier",
                code.codeVerifier());
        if (answer.idToken().isPresent()) {
          result.complete(provider.tokens().verify(answer.idToken().get(), null));
          return;
        }
        onError(answer.error().orElseThrow(), expired);
      } catch (SignInException e) {
        result.completeExceptionally(e);
      } catch (RuntimeException e) {
        LOG.error("polling {} for a device code failed", link.name(), e);
        result.completeExceptionally(
            new SignInException(Reason.PROVIDER_ERROR, "sign-in with " + link.name() + " failed"));
      }
    }

    private void onError(ErrorObject error, boolean expired) throws SignInException {
      String code = error.getCode() == null ? "" : error.getCode();
      switch (code) {
        case "authorization_pending" -> {
          if (expired) {
            throw expiredCode();
          }
          schedule(interval);
        }
        case "slow_down" -> {
          interval = interval.plus(SLOW_DOWN);
          schedule(interval);
        }
        case "access_denied" ->
            throw new SignInException(Reason.DENIED, "the sign-in was denied at " + link.name());
        case "expired_token" -> throw expiredCode();
        default -> throw link.refused("device sign-in", error);
      }
    }

    private SignInException expiredCode() {
      return new SignInException(
          Reason.EXPIRED,
          "the code expired before the sign-in with " + link.name() + " was completed");
    }
  }
}
