package dev.bastion.keys;

import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.DSAPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.OpenSshCertificate.CertificateOption;
import org.apache.sshd.common.config.keys.OpenSshCertificateImpl;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/** One CA key pair that signs OpenSSH v01 certificates. */
public final class CertificateAuthority {
  /** Smallest RSA key we certify; NIST deems 2048 bits adequate only until 2030. */
  public static final int MIN_RSA_BITS = 3072;

  private static final Map<String, String> CERT_TYPES =
      Map.of(
          KeyPairProvider.SSH_ED25519, KeyPairProvider.SSH_ED25519_CERT,
          KeyPairProvider.ECDSA_SHA2_NISTP256, KeyPairProvider.SSH_ECDSA_SHA2_NISTP256_CERT,
          KeyPairProvider.ECDSA_SHA2_NISTP384, KeyPairProvider.SSH_ECDSA_SHA2_NISTP384_CERT,
          KeyPairProvider.ECDSA_SHA2_NISTP521, KeyPairProvider.SSH_ECDSA_SHA2_NISTP521_CERT,
          KeyPairProvider.SSH_RSA, KeyPairProvider.SSH_RSA_CERT);

  private static final SecureRandom NONCES = new SecureRandom();

  private final CaKind kind;
  private final KeyPair keyPair;

  public CertificateAuthority(CaKind kind, KeyPair keyPair) {
    this.kind = kind;
    this.keyPair = keyPair;
  }

  public CaKind kind() {
    return kind;
  }

  public PublicKey publicKey() {
    return keyPair.getPublic();
  }

  /**
   * The CA's public key as one OpenSSH line, as {@code TrustedUserCAKeys} or known_hosts take it.
   */
  public String publicKeyLine() {
    return OpenSshKeys.toLine(keyPair.getPublic(), kind.comment());
  }

  public String fingerprint() {
    return OpenSshKeys.fingerprint(keyPair.getPublic());
  }

  /**
   * Signs a certificate for the request's key. Refuses keys we do not certify (DSA, RSA under
   * {@value #MIN_RSA_BITS} bits, certificates) with a message that says why.
   */
  public OpenSshCertificate sign(CertificateRequest request) {
    PublicKey key = request.publicKey();
    String keyType = checkCertifiable(key);

    OpenSshCertificateImpl cert = new OpenSshCertificateImpl();
    cert.setKeyType(CERT_TYPES.get(keyType));
    byte[] nonce = new byte[32];
    NONCES.nextBytes(nonce);
    cert.setNonce(nonce);
    cert.setCertPubKey(key);
    cert.setSerial(request.serial());
    cert.setType(request.type());
    cert.setId(request.keyId());
    cert.setPrincipals(new ArrayList<>(request.principals()));
    cert.setValidAfter(request.validAfter().getEpochSecond());
    cert.setValidBefore(request.validBefore().getEpochSecond());
    // PROTOCOL.certkeys: options and extensions must be in lexical order; the request keeps them
    // sorted.
    cert.setCriticalOptions(options(request.criticalOptions()));
    cert.setExtensions(options(request.extensions()));
    cert.setCaPubKey(keyPair.getPublic());

    try {
      String caType = KeyUtils.getKeyType(keyPair.getPublic());
      // Never SHA-1: an RSA CA signs with rsa-sha2-512.
      String algorithm = KeyPairProvider.SSH_RSA.equals(caType) ? "rsa-sha2-512" : caType;
      BuiltinSignatures factory = BuiltinSignatures.fromFactoryName(algorithm);
      Signature signer = factory.create();
      ByteArrayBuffer toBeSigned = new ByteArrayBuffer();
      toBeSigned.putRawPublicKey(cert);
      byte[] message = toBeSigned.getCompactData();
      signer.initSigner(null, keyPair.getPrivate());
      signer.update(null, message);
      ByteArrayBuffer signature = new ByteArrayBuffer();
      signature.putString(factory.getName());
      signature.putBytes(signer.sign(null));
      cert.setMessage(message);
      cert.setSignature(signature.getCompactData());
    } catch (Exception e) {
      throw new IllegalStateException("signing with the " + kind.comment() + " failed: " + e, e);
    }
    return cert;
  }

  private static String checkCertifiable(PublicKey key) {
    whyNotCertifiable(key)
        .ifPresent(
            why -> {
              throw new IllegalArgumentException(why);
            });
    return KeyUtils.getKeyType(key);
  }

  /**
   * Why this CA would refuse to certify the key (DSA, RSA under {@value #MIN_RSA_BITS} bits, a
   * certificate, an unknown type), or empty if it would sign it.
   */
  public static Optional<String> whyNotCertifiable(PublicKey key) {
    if (key instanceof OpenSshCertificate) {
      return Optional.of("the key is already a certificate; give the plain public key");
    }
    if (key instanceof DSAPublicKey) {
      return Optional.of("DSA keys are not certified; use Ed25519, ECDSA or RSA (3072+ bits)");
    }
    if (key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
      return Optional.of(
          "RSA key has "
              + rsa.getModulus().bitLength()
              + " bits; at least "
              + MIN_RSA_BITS
              + " are required (or use Ed25519)");
    }
    String keyType = KeyUtils.getKeyType(key);
    if (keyType == null || !CERT_TYPES.containsKey(keyType)) {
      return Optional.of(
          "key type " + keyType + " cannot be certified; use Ed25519, ECDSA or RSA (3072+ bits)");
    }
    return Optional.empty();
  }

  private static List<CertificateOption> options(Map<String, String> sorted) {
    List<CertificateOption> list = new ArrayList<>(sorted.size());
    sorted.forEach((name, value) -> list.add(new CertificateOption(name, value)));
    return list;
  }
}
