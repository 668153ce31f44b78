package dev.bastion.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory of another JVM on this machine: live heap after a full collection (the class histogram's
 * total, which {@code jcmd} takes after a full GC), resident set and thread count from /proc.
 */
final class ProcessMemory {
  private static final Pattern ROW =
      Pattern.compile("(?m)^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
  private static final Pattern TOTAL = Pattern.compile("(?m)^Total\\s+(\\d+)\\s+(\\d+)\\s*$");

  record Sample(long liveHeapBytes, long rssBytes, int threads, String histogram) {}

  private final long pid;

  ProcessMemory(long pid) {
    this.pid = pid;
  }

  Sample sample() throws IOException, InterruptedException {
    jcmd("GC.run"); // let the heap shrink before the resident set is read
    String histogram = jcmd("GC.class_histogram");
    Matcher total = TOTAL.matcher(histogram);
    if (!total.find()) {
      throw new IOException("no total in the class histogram of " + pid);
    }
    String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
    return new Sample(
        Long.parseLong(total.group(2)),
        statusField(status, "VmRSS") * 1024,
        (int) statusField(status, "Threads"),
        histogram);
  }

  /** The classes that grew most from {@code before} to {@code after}, bytes per session. */
  static String growth(Sample before, Sample after, long sessions, int top) {
    Map<String, long[]> grown = new HashMap<>();
    rows(after.histogram(), grown, 1);
    rows(before.histogram(), grown, -1);
    StringBuilder out = new StringBuilder();
    grown.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]))
        .limit(top)
        .forEach(
            e ->
                out.append(
                    String.format(
                        "%10.1f KiB %8.1f objects  %s%n",
                        e.getValue()[1] / 1024.0 / sessions,
                        (double) e.getValue()[0] / sessions,
                        e.getKey())));
    return out.toString();
  }

  private static void rows(String histogram, Map<String, long[]> into, int sign) {
    Matcher row = ROW.matcher(histogram);
    while (row.find()) {
      long[] counts = into.computeIfAbsent(row.group(3), k -> new long[2]);
      counts[0] += sign * Long.parseLong(row.group(1));
      counts[1] += sign * Long.parseLong(row.group(2));
    }
  }

  private static long statusField(String status, String field) throws IOException {
    Matcher m = Pattern.compile("(?m)^" + field + ":\\s+(\\d+)").matcher(status);
    if (!m.find()) {
      throw new IOException("no " + field + " in /proc status");
    }
    return Long.parseLong(m.group(1));
  }

  private String jcmd(String command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(
          "jcmd " + command + " failed: " + new String(out, StandardCharsets.UTF_8));
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
