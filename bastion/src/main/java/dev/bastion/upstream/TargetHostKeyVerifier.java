package dev.bastion.upstream;

import dev.bastion.config.BastionConfig;
import dev.bastion.keys.OpenSshKeys;
import java.net.SocketAddress;
import java.security.PublicKey;
import java.time.Clock;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.config.keys.OpenSshCertificate;

/**
 * Checks a target's host key against its configuration, failing closed: the pinned key must match
 * exactly, or the host certificate must be signed by the configured host CA, be a host certificate,
 * be valid now and name the target's host. Anything else (including a plain key where a certificate
 * is expected) is refused, and the connection fails with the reason, for the user's message.
 */
final class TargetHostKeyVerifier implements ServerKeyVerifier {
  static final AttributeKey<BastionConfig.Target> TARGET = new AttributeKey<>();

  private final Clock clock;

  TargetHostKeyVerifier(Clock clock) {
    this.clock = clock;
  }

  @Override
  public boolean verifyServerKey(
      ClientSession session, SocketAddress remoteAddress, PublicKey serverKey) {
    AttributeRepository context = session.getConnectionContext();
    BastionConfig.Target target = context == null ? null : context.getAttribute(TARGET);
    String problem =
        target == null ? "no target configuration for this connection" : problem(target, serverKey);
    if (problem != null) {
      KeyExchangeWatch.refused(session, problem);
      return false;
    }
    return true;
  }

  String problem(BastionConfig.Target target, PublicKey serverKey) {
    if (target.hostKey().isPresent()) {
      PublicKey pinned = target.hostKey().get();
      PublicKey presented =
          serverKey instanceof OpenSshCertificate cert ? cert.getCertPubKey() : serverKey;
      if (!pinned.equals(presented)) {
        return "target "
            + target.name()
            + " presented host key "
            + OpenSshKeys.fingerprint(presented)
            + ", not the pinned "
            + OpenSshKeys.fingerprint(pinned)
            + "; refusing to connect (host key mismatch: the host was reinstalled or someone is in between)";
      }
      return null;
    }
    PublicKey ca = target.hostCa().orElseThrow();
    if (!(serverKey instanceof OpenSshCertificate cert)) {
      return "target "
          + target.name()
          + " presented a plain host key "
          + OpenSshKeys.fingerprint(serverKey)
          + " but a certificate from its host CA is required; refusing to connect";
    }
    if (!ca.equals(cert.getCaPubKey())) {
      return "target "
          + target.name()
          + "'s host certificate is signed by CA "
          + OpenSshKeys.fingerprint(cert.getCaPubKey())
          + ", not by its host CA "
          + OpenSshKeys.fingerprint(ca)
          + "; refusing to connect";
    }
    if (cert.getType() != OpenSshCertificate.Type.HOST || !OpenSshKeys.hasValidCaSignature(cert)) {
      return "target "
          + target.name()
          + " presented an invalid host certificate; refusing to connect";
    }
    long now = clock.instant().getEpochSecond();
    if (Long.compareUnsigned(cert.getValidAfter(), now) > 0
        || Long.compareUnsigned(cert.getValidBefore(), now) <= 0) {
      return "target "
          + target.name()
          + "'s host certificate is expired or not yet valid; refusing to connect";
    }
    if (!cert.getPrincipals().contains(target.host())
        && !cert.getPrincipals().contains(target.name())) {
      return "target "
          + target.name()
          + "'s host certificate names "
          + String.join(",", cert.getPrincipals())
          + ", not "
          + target.host()
          + "; refusing to connect";
    }
    return null;
  }
}
