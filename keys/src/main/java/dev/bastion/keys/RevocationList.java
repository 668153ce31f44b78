package dev.bastion.keys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Revoked serials and identities, kept in {@code <data-dir>/revoked} (mode 0600): one tab-separated
 * line each, {@code kind, revoked-at, value}, appended and fsynced. An identity with a control
 * character (a tab, a line break) or a {@code %} is written as kind {@code identity-escaped} with
 * those characters as {@code %XX} (UTF-8), so any identity can be revoked and read back exactly;
 * files written before keep their meaning. Lookups re-read the file when it changed, so a
 * revocation made by {@code bastion cert revoke} applies to the next login of a running server. A
 * damaged file is an error, never an empty list.
 */
public final class RevocationList implements Revocations {
  private final Path file;
  private Snapshot snapshot = new Snapshot(null, -1, List.of());

  private record Snapshot(FileTime modified, long size, List<Revocation> entries, Lookup lookup) {
    Snapshot(FileTime modified, long size, List<Revocation> entries) {
      this(modified, size, entries, new Lookup(entries));
    }
  }

  public RevocationList(Path dataDir) {
    this.file = dataDir.resolve("revoked");
  }

  public Path file() {
    return file;
  }

  @Override
  public synchronized List<Revocation> entries() {
    refresh();
    return snapshot.entries();
  }

  @Override
  public synchronized Optional<Revocation> find(long serial, String identity) {
    return current().find(serial, identity);
  }

  /**
   * The list as it is now, read (or found unchanged) once: for checking many certificates in one
   * sweep without looking at the file for each.
   */
  @Override
  public synchronized Lookup current() {
    refresh();
    return snapshot.lookup();
  }

  @Override
  public synchronized boolean add(Revocation revocation) {
    String value = revocation.value();
    if (value.isEmpty()) {
      throw new IllegalArgumentException("cannot revoke an empty value");
    }
    refresh();
    for (Revocation r : snapshot.entries()) {
      if (r.kind() == revocation.kind() && r.value().equals(value)) {
        return false;
      }
    }
    String line = RevocationLine.format(revocation);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      try (FileChannel out =
          FileChannel.open(
              file,
              Set.of(
                  StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
        out.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
        out.force(true);
      }
    } catch (IOException e) {
      throw new KeyFileException("cannot write revocation to " + file + ": " + e.getMessage(), e);
    }
    snapshot = new Snapshot(null, -1, List.of());
    refresh();
    return true;
  }

  private void refresh() {
    FileTime modified;
    long size;
    try {
      modified = Files.getLastModifiedTime(file);
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      snapshot = new Snapshot(null, 0, List.of());
      return;
    } catch (IOException e) {
      throw new KeyFileException("cannot read revocation list " + file + ": " + e.getMessage(), e);
    }
    if (modified.equals(snapshot.modified()) && size == snapshot.size()) {
      return;
    }
    snapshot = new Snapshot(modified, size, parse());
  }

  private List<Revocation> parse() {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new KeyFileException("cannot read revocation list " + file + ": " + e.getMessage(), e);
    }
    List<Revocation> entries = new ArrayList<>(lines.size());
    Map<String, Boolean> seen = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      try {
        Revocation r = RevocationLine.parse(line);
        if (seen.putIfAbsent(r.kind() + "\t" + r.value(), true) == null) {
          entries.add(r);
        }
      } catch (IllegalArgumentException | DateTimeParseException e) {
        throw damaged(i, e.getMessage());
      }
    }
    return List.copyOf(entries);
  }

  private KeyFileException damaged(int index, String why) {
    return new KeyFileException(
        "revocation list " + file + " is damaged at line " + (index + 1) + ": " + why);
  }
}
