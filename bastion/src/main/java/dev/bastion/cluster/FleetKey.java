package dev.bastion.cluster;

import dev.bastion.recorder.RecordingKey;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Date;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.jce.spec.ECNamedCurveSpec;
import org.bouncycastle.operator.ContentSigner;

/**
 * What proves that a node belongs to this fleet: a secret derived from the CA keys every node has
 * (the private recording key in {@code ca/}, copied by the operator), never sent anywhere. From it
 * come an EC P-256 key and one self-signed certificate, the same on every node (RFC 6979
 * signatures), so the event bus between nodes runs over TLS where each side must present that
 * certificate: a host that merely reaches the cluster ports can neither read live sessions nor send
 * a node a termination or an approval. Its {@link #fingerprint} is shown to the other nodes, so a
 * node started with other CA keys is told so instead of failing every handshake.
 */
public final class FleetKey {
  private static final String SUBJECT = "CN=bastion fleet";

  private final byte[] secret;
  private final PrivateKey privateKey;
  private final X509Certificate certificate;

  private FleetKey(byte[] secret, PrivateKey privateKey, X509Certificate certificate) {
    this.secret = secret;
    this.privateKey = privateKey;
    this.certificate = certificate;
  }

  /** The fleet key of the nodes holding {@code caSecret} (the recording key, PKCS#8). */
  public static FleetKey derive(PrivateKey caSecret) {
    try {
      byte[] secret = hmac(caSecret.getEncoded(), "bastion fleet v1");
      ECNamedCurveParameterSpec curve = ECNamedCurveTable.getParameterSpec("secp256r1");
      BigInteger order = curve.getN();
      BigInteger d =
          new BigInteger(1, hmac(secret, "event bus key"))
              .mod(order.subtract(BigInteger.ONE))
              .add(BigInteger.ONE);
      org.bouncycastle.math.ec.ECPoint q = curve.getG().multiply(d).normalize();
      ECNamedCurveSpec spec =
          new ECNamedCurveSpec("secp256r1", curve.getCurve(), curve.getG(), order, curve.getH());
      KeyFactory factory = KeyFactory.getInstance("EC");
      PrivateKey privateKey = factory.generatePrivate(new ECPrivateKeySpec(d, spec));
      PublicKey publicKey =
          factory.generatePublic(
              new ECPublicKeySpec(
                  new ECPoint(
                      q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()),
                  spec));
      BouncyCastleProvider bc = new BouncyCastleProvider();
      X509Certificate certificate =
          new JcaX509CertificateConverter()
              .setProvider(bc)
              .getCertificate(
                  new JcaX509v3CertificateBuilder(
                          new X500Name(SUBJECT),
                          BigInteger.ONE,
                          new Date(946_684_800_000L), // 2000-01-01
                          new Date(253_402_300_799_000L), // 9999-12-31
                          new X500Name(SUBJECT),
                          publicKey)
                      .build(new DeterministicSigner(privateKey, bc)));
      return new FleetKey(secret, privateKey, certificate);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot derive the fleet key: " + e.getMessage(), e);
    }
  }

  /** ECDSA with SHA-256 and the nonce of RFC 6979: the same bytes on every node. */
  private static final class DeterministicSigner implements ContentSigner {
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private final java.security.Signature signature;

    DeterministicSigner(PrivateKey key, BouncyCastleProvider bc) throws GeneralSecurityException {
      signature = java.security.Signature.getInstance("SHA256withECDDSA", bc);
      signature.initSign(key);
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
      return new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
    }

    @Override
    public java.io.OutputStream getOutputStream() {
      return data;
    }

    @Override
    public byte[] getSignature() {
      try {
        signature.update(data.toByteArray());
        return signature.sign();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static byte[] hmac(byte[] key, String label) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(label.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A key for {@code purpose} (e.g. signing values nodes share in the cluster's maps), derived from
   * the fleet secret: the same on every node, different for every purpose.
   */
  public byte[] keyFor(String purpose) {
    try {
      return hmac(secret, "purpose " + purpose);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** SHA-256 of the certificate, hex: equal on two nodes exactly when their CA keys are. */
  public String fingerprint() {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** This node's TLS key and certificate for the event bus. */
  PemKeyCertOptions keyCert() {
    try {
      return new PemKeyCertOptions()
          .setKeyValue(Buffer.buffer(RecordingKey.pem("PRIVATE KEY", privateKey.getEncoded())))
          .setCertValue(Buffer.buffer(RecordingKey.pem("CERTIFICATE", certificate.getEncoded())));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The only certificate the event bus accepts from another node. */
  PemTrustOptions trust() {
    try {
      return new PemTrustOptions()
          .addCertValue(Buffer.buffer(RecordingKey.pem("CERTIFICATE", certificate.getEncoded())));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
