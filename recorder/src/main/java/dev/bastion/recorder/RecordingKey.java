package dev.bastion.recorder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The Ed25519 key that signs recording seals: {@code <data-dir>/ca/recording_key} (PKCS#8 PEM, mode
 * 0600, created once) and {@code recording_key.pub} (X.509 PEM), so that anyone holding the public
 * key can check a seal with standard tools.
 */
public final class RecordingKey {
  private RecordingKey() {}

  public static KeyPair loadOrCreate(Path caDir) {
    Path priv = caDir.resolve("recording_key");
    Path pub = caDir.resolve("recording_key.pub");
    try {
      if (!Files.exists(priv)) {
        OwnerOnly.createDirectories(caDir);
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Files.writeString(
            pub, pem("PUBLIC KEY", pair.getPublic().getEncoded()), StandardCharsets.US_ASCII);
        Files.createFile(priv, OwnerOnly.FILE);
        Files.writeString(
            priv,
            pem("PRIVATE KEY", pair.getPrivate().getEncoded()),
            StandardCharsets.US_ASCII,
            StandardOpenOption.WRITE);
        return pair;
      }
      KeyFactory factory = KeyFactory.getInstance("Ed25519");
      PrivateKey privateKey =
          factory.generatePrivate(new PKCS8EncodedKeySpec(unpem(Files.readString(priv))));
      PublicKey publicKey = publicKey(pub);
      return new KeyPair(publicKey, privateKey);
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "recording key in " + caDir + " cannot be used: " + e.getMessage(), e);
    }
  }

  public static PublicKey publicKey(Path pemFile) throws IOException, GeneralSecurityException {
    return KeyFactory.getInstance("Ed25519")
        .generatePublic(new X509EncodedKeySpec(unpem(Files.readString(pemFile))));
  }

  /** {@code der} as PEM text of {@code type} (PRIVATE KEY, PUBLIC KEY, CERTIFICATE). */
  public static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static byte[] unpem(String text) {
    String body = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return Base64.getDecoder().decode(body);
  }
}
