package dev.bastion.recorder;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.CountDownLatch;

/**
 * CPU per byte of the recording path outside the disk, part by part, in one JVM (no JMH): what the
 * SSH thread spends on each chunk of output of a session without a terminal (classification into
 * text and binary runs, JSON escaping, the live hub's copy) and, for the whole recording with its
 * group commit, all threads together. A main in test scope, run by hand:
 *
 * <pre>
 * mvn -B -q -pl recorder -am test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt
 * java -cp recorder/target/test-classes:recorder/target/classes:$(cat recorder/cp.txt) \
 *   dev.bastion.recorder.RecordingCost [MB] [CHUNK_KIB] [ROUNDS]
 * </pre>
 */
public final class RecordingCost {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private RecordingCost() {}

  public static void main(String[] args) throws Exception {
    int mb = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    int chunk = (args.length > 1 ? Integer.parseInt(args[1]) : 32) * 1024;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    long total = mb * 1_000_000L;
    for (String kind : new String[] {"yes", "log", "random"}) {
      byte[] data = sample(kind, chunk);
      System.out.printf(
          "%s text, %d MB in %d KiB chunks, best of %d:%n", kind, mb, chunk / 1024, rounds);
      report("binary-run scan", rounds, total, () -> scan(data, total));
      report("JSON escaping", rounds, total, () -> escape(data, total));
      report("live hub publish", rounds, total, () -> publish(data, total));
      report("recording, no hub (SSH thread)", rounds, total, () -> record(data, total, false));
      report("recording with hub (SSH thread)", rounds, total, () -> record(data, total, true));
    }
  }

  interface Part {
    long run() throws Exception; // CPU nanoseconds of the part on the calling thread
  }

  private static void report(String name, int rounds, long total, Part part) throws Exception {
    long best = Long.MAX_VALUE;
    for (int r = 0; r < rounds; r++) {
      best = Math.min(best, part.run());
    }
    System.out.printf(
        "  %-34s %6.2f s CPU per GB (%5.0f MB/s)%n",
        name, best / (total / 1e9) / 1e9, total / (best / 1e9) / 1e6);
  }

  static byte[] sample(String kind, int size) {
    byte[] out = new byte[size];
    Random random = new Random(14);
    if (kind.equals("random")) {
      for (int i = 0; i < size; i++) {
        out[i] = (byte) (0x20 + random.nextInt(95));
      }
      return out;
    }
    StringBuilder text = new StringBuilder();
    while (text.length() < size) {
      if (kind.equals("yes")) {
        text.append("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\n");
      } else {
        text.append(
            String.format(
                "2026-11-30T07:%02d:%02d.%03dZ INFO  [worker-%d] GET /api/v1/items/%d id=%08x"
                    + " status=200 bytes=%d ms=%.1f%n",
                random.nextInt(60),
                random.nextInt(60),
                random.nextInt(1000),
                random.nextInt(16),
                random.nextInt(100000),
                random.nextInt(),
                random.nextInt(65536),
                random.nextDouble() * 250));
      }
    }
    System.arraycopy(text.toString().getBytes(StandardCharsets.UTF_8), 0, out, 0, size);
    return out;
  }

  private static long scan(byte[] data, long total) {
    long start = THREADS.getCurrentThreadCpuTime();
    long sink = 0;
    for (long done = 0; done < total; done += data.length) {
      sink += BinaryRun.textEnd(data, 0, data.length);
    }
    if (sink == 42) {
      System.out.print("");
    }
    return THREADS.getCurrentThreadCpuTime() - start;
  }

  private static long escape(byte[] data, long total) {
    ByteBuf out = new ByteBuf(4 * 1024);
    JsonUtf8.Stitch stitch = new JsonUtf8.Stitch();
    long start = THREADS.getCurrentThreadCpuTime();
    for (long done = 0; done < total; done += data.length) {
      out.clear();
      JsonUtf8.escape(stitch, data, 0, data.length, out);
    }
    return THREADS.getCurrentThreadCpuTime() - start;
  }

  private static long publish(byte[] data, long total) {
    try (LiveHub hub = new LiveHub()) {
      hub.open("s");
      hub.publish("s", data, 0, 100);
      long start = THREADS.getCurrentThreadCpuTime();
      for (long done = 0; done < total; done += data.length) {
        hub.publish("s", data, 0, data.length);
      }
      return THREADS.getCurrentThreadCpuTime() - start;
    }
  }

  /** The SSH thread's CPU for a whole recording, written by a real group commit to a temp file. */
  private static long record(byte[] data, long total, boolean withHub) throws Exception {
    Path dir = Files.createTempDirectory("recording-cost");
    Path file = dir.resolve("cost.cast");
    try (LiveHub hub = new LiveHub();
        GroupCommit commit = new GroupCommit()) {
      hub.open("s");
      SessionRecording.LineListener listener =
          withHub ? (b, o, l) -> hub.publish("s", b, o, l) : null;
      SessionRecording recording =
          SessionRecording.create(
              "s",
              file,
              new RecordingHeader(80, 24, Instant.now(), "", "cost", "yes", false),
              listener);
      recording.binaryAsRuns();
      commit.register(recording);
      long cpu = 0;
      long start = THREADS.getCurrentThreadCpuTime();
      for (long done = 0; done < total; done += data.length) {
        if (!recording.writable()) {
          cpu += THREADS.getCurrentThreadCpuTime() - start;
          CountDownLatch resumed = new CountDownLatch(1);
          recording.whenWritable(resumed::countDown);
          resumed.await();
          start = THREADS.getCurrentThreadCpuTime();
        }
        recording.output(0, data, 0, data.length);
      }
      cpu += THREADS.getCurrentThreadCpuTime() - start;
      commit.unregister(recording);
      recording.close();
      return cpu;
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }
}
