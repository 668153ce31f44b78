package dev.bastion.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The CA key pairs in {@code <data-dir>/ca/}: private key {@code <name>} (mode 0600, OpenSSH
 * format) and public key {@code <name>.pub}. Keys are created once and never overwritten; a file
 * that is corrupt, does not match its other half, or can be read by others stops everything with a
 * message that names it.
 */
public final class CaKeyStore {
  private static final Set<PosixFilePermission> GROUP_OR_OTHER =
      Set.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private final Path caDir;

  public CaKeyStore(Path dataDir) {
    this.caDir = dataDir.resolve("ca");
  }

  public Path directory() {
    return caDir;
  }

  public Path privateKeyFile(CaKind kind) {
    return caDir.resolve(kind.fileName());
  }

  public Path publicKeyFile(CaKind kind) {
    return caDir.resolve(kind.fileName() + ".pub");
  }

  /** Creates whichever of the three CA key pairs is missing; returns the ones it created. */
  public List<CaKind> init() {
    createDirectory();
    List<CaKind> created = new ArrayList<>();
    for (CaKind kind : CaKind.values()) {
      Path priv = privateKeyFile(kind);
      Path pub = publicKeyFile(kind);
      if (Files.exists(priv, LinkOption.NOFOLLOW_LINKS)) {
        CertificateAuthority existing = load(kind);
        if (!Files.exists(pub)) {
          writePublicKey(existing, pub);
        }
        continue;
      }
      if (Files.exists(pub, LinkOption.NOFOLLOW_LINKS)) {
        throw new KeyFileException(
            pub
                + " exists but its private key "
                + priv
                + " is missing; restore it from backup, or move"
                + " the .pub file away to create a new "
                + kind.comment());
      }
      KeyPair pair = OpenSshKeys.generateEd25519();
      OpenSshKeys.writeNewPrivateKey(pair, kind.comment(), priv);
      writePublicKey(new CertificateAuthority(kind, pair), pub);
      created.add(kind);
    }
    return created;
  }

  /** Loads one CA, checking permissions, format, and that both halves belong together. */
  public CertificateAuthority load(CaKind kind) {
    Path priv = privateKeyFile(kind);
    if (!Files.exists(priv, LinkOption.NOFOLLOW_LINKS)) {
      throw new KeyFileException(
          "the " + kind.comment() + " does not exist (" + priv + "); run 'bastion ca init'");
    }
    if (Files.isSymbolicLink(priv) || !Files.isRegularFile(priv)) {
      throw new KeyFileException("CA private key " + priv + " is not a regular file");
    }
    checkPermissions(priv);
    KeyPair pair = OpenSshKeys.readPrivateKey(priv);
    Path pub = publicKeyFile(kind);
    if (Files.exists(pub)) {
      PublicKey onDisk = OpenSshKeys.readPublicKey(pub);
      if (!onDisk.equals(pair.getPublic())) {
        throw new KeyFileException(
            "CA public key "
                + pub
                + " ("
                + OpenSshKeys.fingerprint(onDisk)
                + ") does not match its private key "
                + priv
                + " ("
                + OpenSshKeys.fingerprint(pair.getPublic())
                + ")");
      }
    }
    return new CertificateAuthority(kind, pair);
  }

  private void checkPermissions(Path priv) {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(priv);
    } catch (IOException e) {
      throw new KeyFileException("cannot read permissions of " + priv + ": " + e.getMessage(), e);
    }
    if (perms.stream().anyMatch(GROUP_OR_OTHER::contains)) {
      throw new KeyFileException(
          "CA private key "
              + priv
              + " has loose permissions ("
              + PosixFilePermissions.toString(perms)
              + "); it must be readable by its owner only: chmod 600 "
              + priv);
    }
  }

  private void createDirectory() {
    try {
      if (!Files.isDirectory(caDir)) {
        Files.createDirectories(
            caDir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
    } catch (IOException e) {
      throw new KeyFileException("cannot create " + caDir + ": " + e.getMessage(), e);
    }
  }

  private static void writePublicKey(CertificateAuthority ca, Path pub) {
    byte[] line = (ca.publicKeyLine() + "\n").getBytes(StandardCharsets.UTF_8);
    OpenSshKeys.writeNewFile(pub, line, false);
  }
}
