package dev.bastion.recorder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Modes for what the bastion writes into its data directory: files 0600, directories 0700, set when
 * they are created (never loosened by the process umask and tightened later).
 */
public final class OwnerOnly {
  private OwnerOnly() {}

  public static final FileAttribute<Set<PosixFilePermission>> FILE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  public static final FileAttribute<Set<PosixFilePermission>> DIRECTORY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

  /** Creates {@code dir} and its missing parents, each new one 0700. */
  public static Path createDirectories(Path dir) throws IOException {
    return Files.createDirectories(dir, DIRECTORY);
  }
}
