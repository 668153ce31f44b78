package dev.bastion.e2e;

import dev.bastion.oidc.BrowserLogin;
import dev.bastion.oidc.DeviceCode;
import dev.bastion.oidc.IdentityProvider;
import dev.bastion.oidc.SignInException;
import dev.bastion.oidc.SignedIn;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process stand-in for the OpenID provider, for fast tests of what the bastion does around a
 * sign-in: the test decides each device code's outcome ({@link #approve}, {@link #fail}) and each
 * browser sign-in's ({@link #signInBrowser}), and can take the provider down. The real provider is
 * tested against Keycloak.
 */
public final class FakeIdentityProvider implements IdentityProvider {
  public static final String NAME = "TestIdP";
  public static final String ISSUER = "https://idp.test/realms/eng";

  private final AtomicInteger codes = new AtomicInteger();
  private final Map<String, CompletableFuture<SignedIn>> waiting = new ConcurrentHashMap<>();
  private volatile SignInException down;

  /** Browser sign-ins begun: state to the PKCE verifier the code may only be traded with. */
  private final Map<String, String> verifiers = new ConcurrentHashMap<>();

  /** Codes given to browsers: code to the sign-in state it answers and who signed in. */
  private final Map<String, Map.Entry<String, SignedIn>> browserCodes = new ConcurrentHashMap<>();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String issuer() {
    return ISSUER;
  }

  /** Device codes started so far. */
  public int started() {
    return codes.get();
  }

  /** From now on the provider cannot be reached. */
  public void goDown(SignInException why) {
    down = why;
  }

  @Override
  public CompletableFuture<DeviceCode> startDeviceLogin() {
    if (down != null) {
      return CompletableFuture.failedFuture(down);
    }
    String userCode = "CODE-" + (1000 + codes.incrementAndGet());
    waiting.put(userCode, new CompletableFuture<>());
    return CompletableFuture.completedFuture(
        new DeviceCode(
            userCode,
            URI.create(ISSUER + "/device"),
            Optional.of(URI.create(ISSUER + "/device?user_code=" + userCode)),
            Instant.now().plus(Duration.ofMinutes(10)),
            Duration.ofSeconds(5),
            "device-" + userCode,
            "verifier"));
  }

  @Override
  public CompletableFuture<SignedIn> awaitDeviceLogin(DeviceCode code) {
    return waiting.get(code.userCode());
  }

  /** The person with this code signed in as {@code identity}, member of {@code groups}. */
  public void approve(String userCode, String identity, List<String> groups) {
    future(userCode)
        .complete(
            new SignedIn(
                ISSUER,
                "subject-of-" + identity,
                identity,
                groups,
                Instant.now().plus(Duration.ofMinutes(5))));
  }

  public void fail(String userCode, SignInException why) {
    future(userCode).completeExceptionally(why);
  }

  /** The polling of this code, as the bastion left it (cancelled when its client left). */
  public CompletableFuture<SignedIn> future(String userCode) {
    CompletableFuture<SignedIn> f = waiting.get(userCode);
    if (f == null) {
      throw new AssertionError("no device code " + userCode + " was started");
    }
    return f;
  }

  @Override
  public CompletableFuture<BrowserLogin> beginBrowserLogin(URI redirectUri) {
    if (down != null) {
      return CompletableFuture.failedFuture(down);
    }
    String state = "state-" + UUID.randomUUID();
    String verifier = "verifier-" + UUID.randomUUID();
    verifiers.put(state, verifier);
    return CompletableFuture.completedFuture(
        new BrowserLogin(
            URI.create(ISSUER + "/auth?state=" + state),
            state,
            "nonce-" + UUID.randomUUID(),
            verifier,
            redirectUri));
  }

  /**
   * The person at the authorization page of the sign-in {@code state} signed in as {@code
   * identity}, member of {@code groups}: the code the provider sends the browser back with.
   */
  public String signInBrowser(String state, String identity, List<String> groups) {
    String code = "code-" + UUID.randomUUID();
    browserCodes.put(
        code,
        Map.entry(
            state,
            new SignedIn(
                ISSUER,
                "subject-of-" + identity,
                identity,
                groups,
                Instant.now().plus(Duration.ofMinutes(5)))));
    return code;
  }

  /** As a real provider: the code once, for its sign-in, with the verifier that sign-in began. */
  @Override
  public CompletableFuture<SignedIn> finishBrowserLogin(BrowserLogin pending, String code) {
    Map.Entry<String, SignedIn> answer = browserCodes.remove(code);
    if (answer == null || !answer.getKey().equals(pending.state())) {
      return CompletableFuture.failedFuture(
          new SignInException(SignInException.Reason.DENIED, "unknown code"));
    }
    if (!pending.codeVerifier().equals(verifiers.remove(pending.state()))) {
      return CompletableFuture.failedFuture(
          new SignInException(SignInException.Reason.DENIED, "wrong PKCE verifier"));
    }
    return CompletableFuture.completedFuture(answer.getValue());
  }
}
