package dev.bastion.audit;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Free space on the data directory's disk, which holds the audit database and the recordings. Below
 * the reserve, pre-login noise (refusals) is counted but not written, so a flood of refused logins
 * cannot eat the space that session rows need; below the floor, logins and session starts are
 * refused, because H2 that runs out of space mid-write may lose more than the row.
 */
public final class DiskReserve {
  /** Usable bytes where the audit database lives; tests inject their own. */
  @FunctionalInterface
  public interface FreeSpace {
    long usableBytes() throws IOException;
  }

  /** What a write is, for the reserve: dropped first, refused below the floor, or always tried. */
  enum Weight {
    NOISE,
    START,
    ESSENTIAL
  }

  /** What a write may do now. */
  enum Verdict {
    WRITE,
    DROP,
    REFUSE
  }

  /** Never low: for tools that only read or a database without a disk of its own. */
  public static final DiskReserve NONE = new DiskReserve(() -> Long.MAX_VALUE, 0, 0);

  private final FreeSpace probe;
  private final long reserve;
  private final long floor;

  public DiskReserve(FreeSpace probe, long reserve, long floor) {
    if (floor > reserve) {
      throw new IllegalArgumentException("the floor must not be above the reserve");
    }
    this.probe = probe;
    this.reserve = reserve;
    this.floor = floor;
  }

  /** The free space of the file store holding {@code dataDir}, asked at every write (statvfs). */
  public static FreeSpace of(Path dataDir) throws IOException {
    FileStore store = Files.getFileStore(dataDir);
    return store::getUsableSpace;
  }

  Verdict admit(Weight weight) {
    long free = free();
    if (weight == Weight.NOISE && free < reserve) {
      return Verdict.DROP;
    }
    if (weight == Weight.START && free < floor) {
      return Verdict.REFUSE;
    }
    return Verdict.WRITE;
  }

  /** Whether there is room again for pre-login noise. */
  boolean aboveReserve() {
    return free() >= reserve;
  }

  long free() {
    try {
      return probe.usableBytes();
    } catch (IOException | RuntimeException e) {
      return Long.MAX_VALUE; // unknown: let the database itself say whether the write fits
    }
  }

  long reserve() {
    return reserve;
  }

  long floor() {
    return floor;
  }
}
