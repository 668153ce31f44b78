package dev.bastion.bench;

import dev.bastion.keys.OpenSshKeys;
import dev.bastion.testsupport.OpenSsh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.kex.BuiltinDHFactories;

/**
 * Many interactive sessions at once, through the bastion and straight to the same sshd, from one
 * JVM: every session types a line a second and times its echo. Measures the bastion's live heap,
 * resident set and threads with no sessions and with all of them open (after a full GC), and the
 * echo latency on both paths in the same run.
 *
 * <p>Run with bench/load.sh, which starts sshd and the bastion and passes:
 *
 * <pre>
 * BASTION_PORT BASTION_USER USER_KEY DIRECT_PORT LOGIN DIRECT_KEY BASTION_PID SESSIONS DIRECT SECONDS OUT_DIR
 * </pre>
 *
 * (each key with its certificate next to it, KEY-cert.pub).
 */
public final class LoadDriver {
  private static final int OPENING_AT_ONCE = 16;
  private static final AtomicInteger typingFailures = new AtomicInteger();

  public static void main(String[] args) throws Exception {
    int bastionPort = Integer.parseInt(args[0]);
    String bastionUser = args[1];
    KeyPair viaBastion = identity(Path.of(args[2]));
    int directPort = Integer.parseInt(args[3]);
    String login = args[4];
    KeyPair direct = identity(Path.of(args[5]));
    ProcessMemory bastion = new ProcessMemory(Long.parseLong(args[6]));
    int sessions = Integer.parseInt(args[7]);
    int directSessions = Integer.parseInt(args[8]);
    int seconds = Integer.parseInt(args[9]);
    Path out = Path.of(args[10]);

    SshClient client = SshClient.setUpDefaultClient();
    client.setServerKeyVerifier((session, address, key) -> true); // loopback, keys made by load.sh
    // The cheapest modern choices, so the driver leaves the CPU to the bastion and sshd.
    client.setKeyExchangeFactories(
        NamedFactory.setUpTransformedFactories(
            false, List.of(BuiltinDHFactories.curve25519), ClientBuilder.DH2KEX));
    client.setCipherFactories(List.of(BuiltinCiphers.aes128gcm));
    client.start();

    ConcurrentLinkedQueue<Long> bastionEchoes = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Long> directEchoes = new ConcurrentLinkedQueue<>();
    // Warm up the bastion (JIT, first recordings) so the baseline is a running bastion, not a cold
    // one.
    List<Typist> warm = open(client, "w", 10, bastionPort, bastionUser, viaBastion, e -> {});
    typeFor(warm, 5);
    warm.forEach(Typist::close);
    Thread.sleep(3000);
    ProcessMemory.Sample base = bastion.sample();

    long t0 = System.nanoTime();
    List<Typist> through =
        open(client, "b", sessions, bastionPort, bastionUser, viaBastion, bastionEchoes::add);
    double openSeconds = (System.nanoTime() - t0) / 1e9;
    List<Typist> straight =
        open(client, "d", directSessions, directPort, login, direct, directEchoes::add);
    List<Typist> all = new ArrayList<>(through);
    all.addAll(straight);
    all.forEach(t -> t.measure(true));
    typeFor(all, seconds);
    all.forEach(t -> t.measure(false));
    Thread.sleep(2000); // the last echoes arrive; then every session is idle
    long held = through.stream().filter(Typist::isOpen).count();
    long heldDirect = straight.stream().filter(Typist::isOpen).count();
    ProcessMemory.Sample loaded = bastion.sample();
    Files.writeString(
        out.resolve("growth-" + sessions + ".txt"),
        ProcessMemory.growth(base, loaded, Math.max(1, through.size()), 25));

    System.out.printf(
        "sessions through the bastion: %d held of %d (%d failed to open, opening took %.0f s);"
            + " direct: %d held of %d%n",
        held, sessions, sessions - through.size(), openSeconds, heldDirect, directSessions);
    long n = Math.max(1, held);
    System.out.printf(
        "bastion live heap after full GC: %.1f MiB with no session, %.1f MiB with %d:"
            + " %.0f KiB per session%n",
        mib(base.liveHeapBytes()),
        mib(loaded.liveHeapBytes()),
        held,
        (loaded.liveHeapBytes() - base.liveHeapBytes()) / 1024.0 / n);
    System.out.printf(
        "bastion RSS: %.0f MiB with no session, %.0f MiB with %d: %.0f KiB per session%n",
        mib(base.rssBytes()),
        mib(loaded.rssBytes()),
        held,
        (loaded.rssBytes() - base.rssBytes()) / 1024.0 / n);
    System.out.printf(
        "echoes lost (none within 10 s): %d through the bastion, %d direct%n",
        through.stream().mapToInt(Typist::lost).sum(),
        straight.stream().mapToInt(Typist::lost).sum());
    System.out.printf(
        "bastion threads: %d with no session, %d with %d%n",
        base.threads(), loaded.threads(), held);
    Latency viaB = Latency.of(bastionEchoes);
    if (!through.isEmpty() && viaB.samples() == 0) {
      System.out.println(
          "no echo through the bastion; its first terminal shows: " + through.get(0).screen());
    }
    Latency viaD = Latency.of(directEchoes);
    System.out.printf("echo latency through the bastion: %s%n", viaB);
    System.out.printf("echo latency direct to sshd:      %s%n", viaD);
    System.out.printf(
        "added by the bastion: median %.2f ms, p99 %.2f ms%n",
        viaB.median() - viaD.median(), viaB.p99() - viaD.p99());
    all.forEach(Typist::close);
    client.stop();
    System.exit(0);
  }

  private static KeyPair identity(Path key) {
    KeyPair pair = OpenSshKeys.readPrivateKey(key);
    return new KeyPair(OpenSshKeys.readCertificate(OpenSsh.cert(key)), pair.getPrivate());
  }

  /** Opens {@code count} sessions, a few at a time; returns those that opened. */
  private static List<Typist> open(
      SshClient client,
      String prefix,
      int count,
      int port,
      String user,
      KeyPair identity,
      java.util.function.LongConsumer echoes)
      throws InterruptedException {
    ExecutorService opening = Executors.newFixedThreadPool(OPENING_AT_ONCE);
    List<Future<Typist>> futures = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Typist typist = new Typist(prefix + i, echoes);
      futures.add(
          opening.submit(
              () -> {
                typist.open(client, user, port, identity);
                return typist;
              }));
    }
    List<Typist> opened = new ArrayList<>();
    AtomicInteger failed = new AtomicInteger();
    for (Future<Typist> f : futures) {
      try {
        opened.add(f.get());
      } catch (java.util.concurrent.ExecutionException e) {
        if (failed.incrementAndGet() <= 5) {
          System.err.println("session failed to open: " + e.getCause());
        }
      }
    }
    opening.shutdown();
    return opened;
  }

  /** Every typist types a line a second, at its own moment within the second. */
  private static void typeFor(List<Typist> typists, int seconds) throws InterruptedException {
    ScheduledExecutorService keyboard = Executors.newScheduledThreadPool(2);
    Random random = new Random(1);
    for (Typist t : typists) {
      keyboard.scheduleAtFixedRate(
          () -> {
            try {
              t.type();
            } catch (Exception e) {
              if (typingFailures.incrementAndGet() <= 3) {
                System.err.println("typing failed: " + e);
              }
            }
          },
          random.nextInt(1000),
          1000,
          TimeUnit.MILLISECONDS);
    }
    Thread.sleep(seconds * 1000L);
    keyboard.shutdownNow();
    keyboard.awaitTermination(10, TimeUnit.SECONDS);
  }

  private static double mib(long bytes) {
    return bytes / 1024.0 / 1024.0;
  }

  /** Median and 99th percentile of echo times, in milliseconds. */
  record Latency(int samples, double median, double p99) {
    static Latency of(java.util.Collection<Long> nanos) {
      List<Long> sorted = new ArrayList<>(nanos);
      Collections.sort(sorted);
      if (sorted.isEmpty()) {
        return new Latency(0, Double.NaN, Double.NaN);
      }
      int n = sorted.size();
      return new Latency(
          n, sorted.get(n / 2) / 1e6, sorted.get((int) Math.ceil(0.99 * n) - 1) / 1e6);
    }

    @Override
    public String toString() {
      return String.format("median %.2f ms, p99 %.2f ms (%d echoes)", median, p99, samples);
    }
  }
}
