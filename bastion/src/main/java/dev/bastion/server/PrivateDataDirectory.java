package dev.bastion.server;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The data directory holds the CAs' private keys, the host key, the audit database and its
 * password, and the recordings: {@code serve} refuses to start when group or others may open the
 * directory, its {@code ca/} or {@code recordings/}, or read or write a secret in it, and says
 * which {@code chmod} fixes it. Public keys ({@code *.pub}) may be readable, never writable.
 */
public final class PrivateDataDirectory {
  private static final Set<PosixFilePermission> GROUP_OR_OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);
  private static final Set<PosixFilePermission> READ_OR_WRITE =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE);
  private static final Set<PosixFilePermission> WRITE =
      EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);

  static final List<String> SECRETS =
      List.of("ssh_host_ed25519_key", "audit.password", "audit.mv.db", "revoked");

  private PrivateDataDirectory() {}

  /** Throws, naming the path and the fix, when something in {@code dataDir} is not private. */
  public static void check(Path dataDir) throws IOException {
    Path dir = dataDir.toAbsolutePath().normalize();
    refuseIf(dir, GROUP_OR_OTHERS, "700");
    for (String name : List.of("ca", "recordings")) {
      Path sub = dir.resolve(name);
      if (Files.isDirectory(sub)) {
        refuseIf(sub, GROUP_OR_OTHERS, "700");
      }
    }
    for (String name : SECRETS) {
      Path file = dir.resolve(name);
      if (Files.exists(file)) {
        refuseIf(file, READ_OR_WRITE, "600");
      }
    }
    if (Files.isDirectory(dir.resolve("ca"))) {
      try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.resolve("ca"))) {
        for (Path file : files) {
          boolean isPublic = file.getFileName().toString().endsWith(".pub");
          refuseIf(file, isPublic ? WRITE : READ_OR_WRITE, isPublic ? "go-w" : "600");
        }
      }
    }
  }

  private static void refuseIf(Path path, Set<PosixFilePermission> forbidden, String mode)
      throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
    if (perms.stream().anyMatch(forbidden::contains)) {
      throw new IOException(
          path
              + " is open to group or others (mode "
              + PosixFilePermissions.toString(perms)
              + "); it holds the bastion's keys, recordings or audit log: run chmod "
              + mode
              + " "
              + path
              + " (as its owner), then start again");
    }
  }
}
