package dev.bastion.recorder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Native memory of open compressed recordings (not a test; run by hand, see docs/BENCHMARKS.md):
 * opens N {@code .cast.zst} (or, for comparison, {@code .cast}) recordings, gives each the same
 * amount of log-like output in 16 KiB flushes, and prints the growth of the process's resident
 * memory per recording, then again after every recording has been idle long enough to end its frame
 * and free its compression context. Run with a fixed, pre-touched heap so that only native memory
 * moves.
 */
public final class RecordingMemory {
  public static void main(String[] args) throws Exception {
    int count = Integer.parseInt(args[0]);
    int bytesEach = Integer.parseInt(args[1]);
    String extension = args.length > 2 ? args[2] : ".cast.zst";
    Path dir = Files.createTempDirectory("recording-memory");
    byte[] text = logLike(Math.max(bytesEach, 1));
    long base = residentKib();
    List<SessionRecording> open = new ArrayList<>();
    long onDisk = 0;
    for (int i = 0; i < count; i++) {
      SessionRecording r =
          SessionRecording.create(
              String.format("%032x", i),
              dir.resolve(String.format("%032x", i) + extension),
              new RecordingHeader(80, 24, Instant.now(), "xterm", "memory", null),
              null);
      for (int at = 0; at < bytesEach; at += 16384) {
        r.output(0, text, at, Math.min(16384, bytesEach - at));
        r.flush();
      }
      open.add(r);
    }
    long active = residentKib() - base;
    for (SessionRecording r : open) {
      if (extension.endsWith(".zst")) {
        r.restForTest();
      }
    }
    long idle = residentKib() - base;
    for (SessionRecording r : open) {
      onDisk += r.close().size();
    }
    System.out.printf(
        "%d recordings, %d bytes of output each: +%d KiB resident (%.0f KiB each) while writing,"
            + " +%d KiB (%.0f KiB each) once idle; %.1fx smaller on disk%n",
        count,
        bytesEach,
        active,
        active / (double) count,
        idle,
        idle / (double) count,
        (double) count * bytesEach / onDisk);
  }

  static long residentKib() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    throw new IllegalStateException("no VmRSS");
  }

  static byte[] logLike(int bytes) {
    Random random = new Random(1);
    StringBuilder text = new StringBuilder();
    String[] levels = {"INFO ", "WARN ", "DEBUG", "ERROR"};
    while (text.length() < bytes) {
      text.append(
          String.format(
              "2026-11-30T07:%02d:%02d.%03dZ %s [worker-%d] GET /api/orders/%d status=%d"
                  + " took=%dms\r\n",
              random.nextInt(60),
              random.nextInt(60),
              random.nextInt(1000),
              levels[random.nextInt(4)],
              random.nextInt(16),
              random.nextInt(100000),
              random.nextBoolean() ? 200 : 404,
              random.nextInt(500)));
    }
    return text.substring(0, bytes).getBytes(StandardCharsets.US_ASCII);
  }
}
