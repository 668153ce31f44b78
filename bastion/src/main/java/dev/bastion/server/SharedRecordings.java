package dev.bastion.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The directory {@code recording.dir} names, often a mount every node shares. The bastion creates
 * it (mode 0700) when only it is missing, never its parents: a mount point that is not there stops
 * the start instead of filling the local disk. Recordings are evidence, so the directory must
 * belong to the bastion's user or to root and be closed to others; group access is allowed, for a
 * share owned by {@code root:bastion} with mode 0770, whose group holds only the bastion's users.
 * Every node writes its files as its own user with mode 0600, so all nodes run as the same user.
 * The directory gets a mark file, {@link #MARK}: when it is gone while the bastion runs, the share
 * was most likely unmounted (recordings would go to the bare mount point on the local disk), and
 * {@code /readyz} says so.
 */
public final class SharedRecordings {
  private static final String KEY = "recording.dir: ";
  private static final Set<PosixFilePermission> OTHERS =
      EnumSet.of(
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);
  private static final String PROBE = ".bastion-start-probe";

  /** The file that marks the directory as the bastion's recordings directory. */
  public static final String MARK = ".bastion-recordings";

  private SharedRecordings() {}

  /** Creates the directory if only it is missing, then checks it; throws naming the fix. */
  public static void prepare(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      Path parent = dir.getParent();
      if (parent == null || !Files.isDirectory(parent)) {
        throw new IOException(
            KEY
                + dir
                + " does not exist, nor does "
                + parent
                + "; mount the shared recordings directory (or create it) first");
      }
      Files.createDirectory(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    if (!Files.isDirectory(dir)) {
      throw new IOException(KEY + dir + " is not a directory");
    }
    String me = System.getProperty("user.name");
    String owner = Files.getOwner(dir).getName();
    if (!owner.equals(me) && !owner.equals("root")) {
      throw new IOException(
          KEY
              + dir
              + " belongs to "
              + owner
              + ", neither the bastion's user ("
              + me
              + ") nor root, who could read every recording: chown "
              + me
              + " "
              + dir
              + " (or root:GROUP with chmod 0770, GROUP holding only the bastion's users)");
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
    if (perms.stream().anyMatch(OTHERS::contains)) {
      throw new IOException(
          KEY
              + dir
              + " is open to others (mode "
              + PosixFilePermissions.toString(perms)
              + "); it holds the session recordings: run chmod o-rwx "
              + dir
              + ", then start again (group access is fine for a group of the bastion's users only)");
    }
    Path probe = dir.resolve(PROBE);
    try {
      Files.deleteIfExists(probe);
      Files.createFile(probe);
      Files.delete(probe);
    } catch (IOException e) {
      throw new IOException(
          KEY
              + dir
              + " is not writable by the bastion's user "
              + me
              + " ("
              + e.getClass().getSimpleName()
              + "): give it write access (owner, or group with chmod g+rwx)",
          e);
    }
    Path mark = dir.resolve(MARK);
    if (!Files.exists(mark)) {
      Files.createFile(
          mark, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(
          mark,
          "The bastion's recordings directory (recording.dir). While this file is missing, every"
              + " node's /readyz says the share is not mounted.\n");
    }
  }
}
