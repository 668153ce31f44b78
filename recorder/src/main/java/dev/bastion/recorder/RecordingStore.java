package dev.bastion.recorder;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where recordings live: {@code <recordings>/YYYY/MM/DD/<session-id>.cast.zst} (or {@code .cast},
 * uncompressed: see {@link RecordingFormat}), seal beside; {@code <recordings>} is {@code
 * <data-dir>/recordings} or the directory {@code recording.dir} names (shared by several nodes).
 *
 * <p>The audit database keeps each recording's path as {@code recordings/YYYY/MM/DD/<file>} ({@link
 * #storedPath}), where {@code recordings/} stands for the recordings directory wherever it is: rows
 * written before {@code recording.dir} existed (relative to the data directory) read the same, and
 * nodes that mount the shared directory at different places agree.
 */
public final class RecordingStore {
  /** How every stored recording path starts; it stands for the recordings directory. */
  public static final String STORED_PREFIX = "recordings/";

  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
  private static final Pattern SESSION_ID = Pattern.compile("[0-9a-f]{32}");

  private final Path root;

  private RecordingStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /** The recordings in {@code directory} ({@code recording.dir}). */
  public static RecordingStore at(Path directory) {
    return new RecordingStore(directory);
  }

  /** The recordings in {@code <dataDir>/recordings}, where they are unless configured elsewhere. */
  public static RecordingStore inDataDir(Path dataDir) {
    return new RecordingStore(dataDir.resolve("recordings"));
  }

  /** The recordings directory, absolute. */
  public Path root() {
    return root;
  }

  /** The path the audit database keeps for {@code file}, a file of this store. */
  public String storedPath(Path file) {
    Path inside = root.relativize(file.toAbsolutePath().normalize());
    if (inside.startsWith("..") || inside.toString().isEmpty()) {
      throw new IllegalArgumentException(file + " is not inside " + root);
    }
    return STORED_PREFIX + inside.toString().replace(java.io.File.separatorChar, '/');
  }

  /**
   * The file a path from the audit database names, inside this store; empty when it would name
   * anything else: not starting with {@code recordings/}, absolute, or leaving the directory with
   * {@code ..}.
   */
  public java.util.Optional<Path> resolve(String stored) {
    if (stored == null || !stored.startsWith(STORED_PREFIX)) {
      return java.util.Optional.empty();
    }
    Path inside;
    try {
      inside = Path.of(stored.substring(STORED_PREFIX.length()));
    } catch (java.nio.file.InvalidPathException e) {
      return java.util.Optional.empty();
    }
    Path file = root.resolve(inside).normalize();
    if (inside.isAbsolute() || !file.startsWith(root) || file.equals(root)) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(file);
  }

  /**
   * The file of a session that starts now. Ids are hex only, so no id can point outside the store.
   */
  public Path pathFor(String sessionId, Instant startedAt, RecordingFormat format) {
    if (!SESSION_ID.matcher(sessionId).matches()) {
      throw new IllegalArgumentException("not a session id: " + sessionId);
    }
    return root.resolve(DAY.format(startedAt)).resolve(sessionId + format.extension());
  }

  /** Every recording file in the store. */
  public List<Path> all() throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(RecordingFormat::isRecording).sorted().toList();
    }
  }

  /**
   * Seals a recording whose writer died (the process was killed) as interrupted, after making it
   * end at its last whole line: a plain {@code .cast} is cut back there; a {@code .cast.zst} is
   * rewritten from its readable prefix as a complete zstd stream (temp file, fsync, atomic rename).
   */
  public static Seal sealInterrupted(
      String sessionId, Path cast, Instant now, java.security.PrivateKey key) throws IOException {
    if (RecordingFormat.of(cast) == RecordingFormat.ZSTD) {
      recompressPrefix(cast);
    } else {
      cutToLastLine(cast);
    }
    SessionRecording.Sealable done =
        new SessionRecording.Sealable(sessionId, cast, Files.size(cast), sha256(cast));
    Seal seal = Seal.sign(done, now, true, key);
    seal.writeBeside(cast);
    return seal;
  }

  private static void cutToLastLine(Path cast) throws IOException {
    try (RandomAccessFile file = new RandomAccessFile(cast.toFile(), "rw")) {
      long length = file.length();
      long keep = length;
      while (keep > 0) {
        file.seek(keep - 1);
        if (file.read() == '\n') {
          break;
        }
        keep--;
      }
      if (keep < length) {
        file.setLength(keep);
      }
      file.getFD().sync();
    }
  }

  private static void recompressPrefix(Path cast) throws IOException {
    // A name of its own: two nodes sealing the same recording at once never share a temp file.
    Path tmp = cast.resolveSibling(cast.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
    RecordingFile whole = RecordingFile.create(tmp, RecordingFormat.ZSTD);
    try (InputStream prefix = RecordingFormat.openPlain(cast)) {
      byte[] buffer = new byte[1 << 20]; // one flush per MiB: the rewrite compresses as well
      for (int n; (n = prefix.read(buffer)) > 0; ) {
        whole.write(buffer, 0, n);
      }
    } finally {
      whole.close();
    }
    Files.move(tmp, cast, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDirectory(cast.getParent());
  }

  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  public static String sha256(Path file) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      try (var in = Files.newInputStream(file)) {
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; ) {
          digest.update(buffer, 0, n);
        }
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
