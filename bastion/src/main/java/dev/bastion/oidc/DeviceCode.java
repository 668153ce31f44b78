package dev.bastion.oidc;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A device authorization (RFC 8628) in progress: the code and URL the person types or opens, and
 * what the bastion needs to poll for the result. {@code toString} leaves the device code out.
 */
public record DeviceCode(
    String userCode,
    URI verificationUri,
    Optional<URI> verificationUriComplete,
    Instant expiresAt,
    Duration interval,
    String deviceCode,
    String codeVerifier) {

  @Override
  public String toString() {
    return "DeviceCode[" + userCode + " at " + verificationUri + ", until " + expiresAt + "]";
  }
}
