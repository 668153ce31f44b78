package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that reads slowly must slow the target down, not fill the bastion's memory: the target
 * writes 500 MB as fast as it can, the client reads at a fraction of that speed, and the bastion's
 * heap (it runs in this JVM) stays within a small bound the whole time.
 */
class FlowControlTest {
  static final long TOTAL = 500L * 1000 * 1000;

  /** Far below the 500 MB in flight: what windows and pump buffers may hold, plus noise. */
  static final long HEAP_GROWTH_LIMIT = 96L * 1024 * 1024;

  @TempDir Path dir;

  @Test
  void slowReaderKeepsTheBastionHeapBounded() throws Exception {
    try (GatewayFixture gw = GatewayFixture.start(dir, "")) {
      MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
      long baseline = usedAfterGc(memory);

      List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
      cmd.addAll(gw.sshOptions(gw.userKey));
      cmd.add(gw.onTarget() + "@127.0.0.1");
      cmd.add("head -c " + TOTAL + " /dev/zero");
      Process ssh = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();

      AtomicBoolean reading = new AtomicBoolean(true);
      AtomicLong peak = new AtomicLong();
      Thread sampler =
          new Thread(
              () -> {
                while (reading.get()) {
                  peak.accumulateAndGet(usedAfterGc(memory) - baseline, Math::max);
                  sleep(250);
                }
              });
      sampler.start();

      long read = 0;
      long started = System.nanoTime();
      byte[] chunk = new byte[64 * 1024];
      try (InputStream in = ssh.getInputStream()) {
        for (int n; (n = in.read(chunk)) > 0; ) {
          read += n;
          // About 60 MB/s: far slower than the target can write /dev/zero.
          long due = started + read * 1_000_000_000L / (60L * 1024 * 1024);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
        }
      }
      reading.set(false);
      sampler.join();
      assertTrue(ssh.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, ssh.exitValue());
      assertEquals(TOTAL, read);
      System.out.println(
          "peak bastion heap growth: "
              + peak.get() / 1024
              + " KiB for "
              + TOTAL
              + " bytes read slowly");
      assertTrue(
          peak.get() < HEAP_GROWTH_LIMIT,
          "bastion heap grew by "
              + peak.get() / (1024 * 1024)
              + " MiB while a slow client read "
              + TOTAL / 1_000_000
              + " MB");
    }
  }

  private static long usedAfterGc(MemoryMXBean memory) {
    System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
