package dev.bastion.oidc;

import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import dev.bastion.config.BastionConfig;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * This client at the provider: the client id and, for a confidential client, the secret sent the
 * way the discovery document allows ({@code client_secret_basic} unless only {@code
 * client_secret_post} is offered). Trades grants for tokens and returns the identity token or the
 * provider's error.
 */
final class TokenEndpoint {
  /** The token endpoint's answer: an identity token, or the error object. */
  record Answer(Optional<JWT> idToken, Optional<ErrorObject> error) {}

  private final ClientID clientId;
  private final Optional<Secret> secret;
  private final ProviderLink link;

  TokenEndpoint(BastionConfig.Oidc config, ProviderLink link) {
    this.clientId = new ClientID(config.clientId());
    this.secret = config.clientSecret().map(s -> new Secret(s.reveal()));
    this.link = link;
  }

  ClientID clientId() {
    return clientId;
  }

  /** A device authorization request (RFC 8628 section 3.1) with this client's authentication. */
  DeviceAuthorizationRequest.Builder deviceRequest(OIDCProviderMetadata metadata) {
    return authentication(metadata)
        .map(DeviceAuthorizationRequest.Builder::new)
        .orElseGet(() -> new DeviceAuthorizationRequest.Builder(clientId));
  }

  /** Sends {@code grant} (with extra form parameters) and reads the answer; blocking. */
  Answer exchange(
      OIDCProviderMetadata metadata, AuthorizationGrant grant, String... customParameter)
      throws SignInException {
    URI endpoint = metadata.getTokenEndpointURI();
    TokenRequest.Builder request =
        authentication(metadata)
            .map(auth -> new TokenRequest.Builder(endpoint, auth, grant))
            .orElseGet(() -> new TokenRequest.Builder(endpoint, clientId, grant));
    for (int i = 0; i + 1 < customParameter.length; i += 2) {
      request.customParameter(customParameter[i], customParameter[i + 1]);
    }
    HTTPResponse response = link.send(request.build().toHTTPRequest(), "token request");
    TokenResponse parsed;
    try {
      parsed = OIDCTokenResponseParser.parse(response);
    } catch (ParseException e) {
      throw link.malformed("token request", e);
    }
    if (!parsed.indicatesSuccess()) {
      return new Answer(Optional.empty(), Optional.of(parsed.toErrorResponse().getErrorObject()));
    }
    if (!(parsed instanceof OIDCTokenResponse oidc) || oidc.getOIDCTokens().getIDToken() == null) {
      throw new SignInException(
          SignInException.Reason.INVALID_TOKEN, link.name() + " sent no identity token");
    }
    return new Answer(Optional.of(oidc.getOIDCTokens().getIDToken()), Optional.empty());
  }

  private Optional<ClientAuthentication> authentication(OIDCProviderMetadata metadata) {
    List<ClientAuthenticationMethod> methods = metadata.getTokenEndpointAuthMethods();
    boolean postOnly =
        methods != null
            && !methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
            && methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_POST);
    return secret.map(
        s -> postOnly ? new ClientSecretPost(clientId, s) : new ClientSecretBasic(clientId, s));
  }
}
