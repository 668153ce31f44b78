package dev.bastion.keys;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Iterator;
import java.util.List;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.security.SecurityUtils;

/** Reading and writing keys and certificates in OpenSSH's own formats. */
public final class OpenSshKeys {
  private OpenSshKeys() {}

  /**
   * Parses one OpenSSH public key line ({@code type base64 [comment]}), plain key or certificate.
   */
  public static PublicKey parsePublicKey(String line) {
    String trimmed = line == null ? "" : line.strip();
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("empty public key line");
    }
    try {
      PublicKeyEntry entry = PublicKeyEntry.parsePublicKeyEntry(trimmed);
      if (entry == null) {
        throw new IllegalArgumentException("not an OpenSSH public key line");
      }
      PublicKey key = entry.resolvePublicKey(null, null, PublicKeyEntryResolver.FAILING);
      if (key == null) {
        throw new IllegalArgumentException("unsupported key type " + entry.getKeyType());
      }
      return key;
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(describe(e), e);
    }
  }

  /** Reads the first key line of a {@code .pub} or {@code -cert.pub} file. */
  public static PublicKey readPublicKey(Path file) {
    String line = firstKeyLine(file);
    try {
      return parsePublicKey(line);
    } catch (IllegalArgumentException e) {
      throw new KeyFileException(file + " is not an OpenSSH public key: " + e.getMessage(), e);
    }
  }

  /** Reads an OpenSSH certificate file ({@code *-cert.pub}). */
  public static OpenSshCertificate readCertificate(Path file) {
    PublicKey key = readPublicKey(file);
    if (!(key instanceof OpenSshCertificate cert)) {
      throw new KeyFileException(
          file + " holds a plain " + KeyUtils.getKeyType(key) + " key, not a certificate");
    }
    return cert;
  }

  /** The one-line OpenSSH form of a key or certificate, with an optional comment. */
  public static String toLine(PublicKey key, String comment) {
    String line = PublicKeyEntry.toString(key);
    return comment == null || comment.isBlank() ? line : line + " " + comment;
  }

  /** The {@code SHA256:...} fingerprint that {@code ssh-keygen -l} prints. */
  public static String fingerprint(PublicKey key) {
    PublicKey plain = key instanceof OpenSshCertificate cert ? cert.getCertPubKey() : key;
    return KeyUtils.getFingerPrint(plain);
  }

  /**
   * The key type name OpenSSH uses, e.g. {@code ssh-ed25519} or {@code rsa-sha2-512}-capable {@code
   * ssh-rsa}.
   */
  public static String keyType(PublicKey key) {
    return KeyUtils.getKeyType(key);
  }

  /** Bit length of a key, as {@code ssh-keygen -l} counts it (256 for Ed25519). */
  public static int keySize(PublicKey key) {
    return KeyUtils.getKeySize(key);
  }

  /** Whether the CA signature on a certificate is valid for the CA key the certificate names. */
  public static boolean hasValidCaSignature(OpenSshCertificate cert) {
    BuiltinSignatures factory = BuiltinSignatures.fromFactoryName(cert.getSignatureAlgorithm());
    if (factory == null || !factory.isSupported()) {
      return false;
    }
    try {
      Signature verifier = factory.create();
      verifier.initVerifier(null, cert.getCaPubKey());
      verifier.update(null, cert.getMessage());
      return verifier.verify(null, cert.getRawSignature());
    } catch (Exception e) {
      return false;
    }
  }

  /** A fresh Ed25519 key pair. */
  public static KeyPair generateEd25519() {
    try {
      return KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is not available in this JVM", e);
    }
  }

  /** Reads an unencrypted OpenSSH (or PEM) private key file. */
  public static KeyPair readPrivateKey(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      Iterable<KeyPair> pairs =
          SecurityUtils.loadKeyPairIdentities(
              null, NamedResource.ofName(file.toString()), in, null);
      Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
      if (it == null || !it.hasNext()) {
        throw new KeyFileException(file + " is not an OpenSSH private key");
      }
      return it.next();
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      if (e instanceof KeyFileException kfe) {
        throw kfe;
      }
      throw new KeyFileException(
          file + " is corrupt or not an OpenSSH private key: " + describe(e), e);
    }
  }

  /**
   * Writes a private key in OpenSSH format with mode 0600, only if the file does not exist yet. The
   * key is written to a temporary file first and then hard-linked into place, so a crash never
   * leaves a half-written key under the real name and an existing key is never replaced.
   */
  public static void writeNewPrivateKey(KeyPair pair, String comment, Path file) {
    ByteArrayOutputStream encoded = new ByteArrayOutputStream();
    try {
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, comment, null, encoded);
    } catch (IOException | GeneralSecurityException e) {
      throw new KeyFileException("cannot encode private key for " + file + ": " + describe(e), e);
    }
    writeNewFile(file, encoded.toByteArray(), true);
  }

  /** Writes a file only if it does not exist yet, atomically (temp file, fsync, hard link). */
  public static void writeNewFile(Path file, byte[] content, boolean privateMode) {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      tmp =
          Files.createTempFile(
              dir,
              "." + file.getFileName() + ".",
              ".tmp",
              PosixFilePermissions.asFileAttribute(
                  PosixFilePermissions.fromString(privateMode ? "rw-------" : "rw-r--r--")));
      try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE)) {
        out.write(content);
      }
      try (var channel = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.createLink(file, tmp);
    } catch (FileAlreadyExistsException e) {
      throw new KeyFileException(file + " already exists; it is never overwritten", e);
    } catch (IOException e) {
      throw new KeyFileException("cannot write " + file + ": " + describe(e), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // a stray temp file is harmless; the real file is complete or absent
        }
      }
    }
  }

  private static String firstKeyLine(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new KeyFileException(file + " does not exist", e);
    } catch (IOException e) {
      throw new KeyFileException("cannot read " + file + ": " + describe(e), e);
    }
    return lines.stream()
        .map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .findFirst()
        .orElseThrow(() -> new KeyFileException(file + " is empty"));
  }

  static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }
}
