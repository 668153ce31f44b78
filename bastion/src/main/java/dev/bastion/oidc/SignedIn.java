package dev.bastion.oidc;

import java.time.Instant;
import java.util.List;

/**
 * A person the provider vouched for in a verified identity token: the issuer and subject (stable at
 * the provider), the identity the bastion knows them by ({@code identity_claim}, such as an email
 * address), their directory groups ({@code groups_claim}) and when the token expires.
 */
public record SignedIn(
    String issuer, String subject, String identity, List<String> groups, Instant tokenExpiresAt) {
  public SignedIn {
    groups = List.copyOf(groups);
  }
}
