package dev.bastion.oidc;

import java.net.URI;

/**
 * A browser sign-in in progress: where the browser goes ({@code authorizationUrl}), and what stays
 * on the server until it returns: the state it must bring back, the nonce the identity token must
 * carry and the PKCE code verifier. {@code toString} leaves the secrets out.
 */
public record BrowserLogin(
    URI authorizationUrl, String state, String nonce, String codeVerifier, URI redirectUri) {

  @Override
  public String toString() {
    return "BrowserLogin[to " + redirectUri + "]";
  }
}
