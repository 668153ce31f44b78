package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.server.SharedRecordings;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import dev.bastion.testsupport.OpenSsh;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator endpoints of the web port: {@code /healthz}, {@code /readyz} and {@code /metrics} as
 * a load balancer and Prometheus see them, on a bastion that carries a real ssh session.
 */
class OperatorEndpointsTest {
  private static final String REFUSED =
      "bastion_logins_refused_total{reason=\"not_a_certificate\"}";
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void metricsCountSessionsLoginsAndBytesAndPassPromtool() throws Exception {
    try (GatewayFixture gw = GatewayFixture.start(dir, "")) {
      assertEquals("200 ok\n", answer(gw, "/healthz"));
      assertEquals("200 ready\n", answer(gw, "/readyz"));

      Process held = new ProcessBuilder(gw.sshCommand("sleep 60")).start();
      try {
        awaitMetric(gw, "bastion_sessions_live", v -> v == 1);
      } finally {
        held.destroy();
      }
      awaitMetric(gw, "bastion_sessions_live", v -> v == 0);

      CommandResult cat = gw.ssh(gw.onTarget(), "hello through the bastion\n", "cat");
      assertEquals("hello through the bastion\n", cat.stdout(), cat.toString());
      Path plain = OpenSsh.keygen(Files.createDirectories(dir.resolve("plain")), "id_plain");
      assertEquals(255, gw.sshWith(plain, gw.onTarget(), "", "true").exitCode());

      // Gauges hold what they read weakly: one read by nothing else would show NaN after a GC.
      System.gc();
      awaitMetric(gw, REFUSED, v -> v >= 1);
      String text = awaitMetric(gw, "bastion_logins_accepted_total", v -> v >= 2);
      assertTrue(value(text, "bastion_client_received_bytes_total") >= 26, text);
      assertTrue(value(text, "bastion_client_sent_bytes_total") >= 26, text);
      assertTrue(value(text, "bastion_recording_write_seconds_count") >= 1, text);
      assertEquals(0, value(text, "bastion_viewers_live"), text);
      assertEquals(0, value(text, "bastion_approvals_pending"), text);
      assertEquals(0, value(text, "bastion_recording_failures_total"), text);
      assertTrue(text.contains("jvm_memory_used_bytes{"), text);
      for (String secret : List.of("alice", "example.com", "127.0.0.1", gw.login, "web01")) {
        assertFalse(text.contains(secret), secret + " appears in /metrics");
      }
      Path scraped = dir.resolve("metrics.txt");
      Files.writeString(scraped, text.substring("200 ".length()));
      CommandResult check =
          ExternalCommand.of("sh", "-c", "promtool check metrics < " + scraped)
              .timeout(Duration.ofMinutes(1))
              .run();
      assertEquals(0, check.exitCode(), check.toString());
    }
  }

  @Test
  void readyzNamesTheRecordingsDirectoryThenDrainingAndRecovers() throws Exception {
    try (GatewayFixture gw = GatewayFixture.start(dir, "")) {
      assertEquals("200 ready\n", answer(gw, "/readyz"));
      Path recordings = gw.dataDir.resolve("recordings");
      ExternalCommand.of("rm", "-rf", recordings.toString()).run();
      Files.writeString(recordings, "not a directory");
      // A check that did not answer in time is a 503 too: wait for this reason.
      String broken =
          awaitAnswer(gw, "/readyz", a -> a.contains("recordings directory: not writable"));
      assertTrue(broken.startsWith("503"), broken);
      assertFalse(broken.contains("database"), broken);
      assertEquals("200 ok\n", answer(gw, "/healthz"));

      Files.delete(recordings);
      awaitAnswer(gw, "/readyz", a -> a.equals("200 ready\n"));

      // What serve's shutdown (SIGTERM) does first: admit no more sessions, end the open ones.
      gw.bastion.liveSessions().drain("the bastion is shutting down", Duration.ZERO);
      String draining = awaitAnswer(gw, "/readyz", a -> a.contains("draining"));
      assertTrue(draining.startsWith("503"), draining);
      assertEquals("200 ok\n", answer(gw, "/healthz"));
    }
  }

  @Test
  void readyzNoticesASharedRecordingsDirectoryUnmountedUnderneath() throws Exception {
    Path share = dir.resolve("mnt/recordings");
    Files.createDirectories(share.getParent());
    try (GatewayFixture gw = GatewayFixture.start(dir, "", "recording:\n  dir: " + share + "\n")) {
      assertEquals("200 ready\n", answer(gw, "/readyz"));
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(
              Files.getPosixFilePermissions(share.resolve(SharedRecordings.MARK))),
          "the share is marked");

      // The share goes away; its mount point stays behind, an empty directory on the local disk.
      Path elsewhere = Files.move(share, dir.resolve("mnt/away"));
      Files.createDirectory(share);
      String unmounted =
          awaitAnswer(
              gw,
              "/readyz",
              a ->
                  a.contains(
                      "recordings directory: its mark .bastion-recordings is gone; is the share"
                          + " still mounted?"));
      assertTrue(unmounted.startsWith("503"), unmounted);
      try (var left = Files.list(share)) {
        assertEquals(List.of(), left.toList(), "readiness wrote onto the bare mount point");
      }

      Files.delete(share);
      Files.move(elsewhere, share); // mounted again
      awaitAnswer(gw, "/readyz", a -> a.equals("200 ready\n"));
    }
  }

  private String answer(GatewayFixture gw, String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.bastion.webPort() + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  /** Polls (the readiness answer is cached for a second) until {@code wanted} holds. */
  private String awaitAnswer(GatewayFixture gw, String path, Predicate<String> wanted)
      throws Exception {
    String last = null;
    for (int i = 0; i < 150; i++) {
      last = answer(gw, path);
      if (wanted.test(last)) {
        return last;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(path + " never answered as expected; last: " + last);
  }

  private String awaitMetric(GatewayFixture gw, String series, Predicate<Double> wanted)
      throws Exception {
    return awaitAnswer(gw, "/metrics", a -> a.startsWith("200") && wanted.test(value(a, series)));
  }

  /** The value of one series in the text format, or -1 when it is absent. */
  private static double value(String text, String series) {
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return -1;
  }
}
