package dev.bastion.ssh;

import dev.bastion.oidc.SignedIn;
import java.security.PublicKey;
import java.util.Optional;

/**
 * How a connection logged in by single sign-on: the provider's name as users see it, who the
 * provider vouched for, and the key the client proved on the same connection, if any (which {@code
 * cert} certifies).
 */
public record SsoLogin(String providerName, SignedIn signedIn, Optional<PublicKey> provenKey) {}
