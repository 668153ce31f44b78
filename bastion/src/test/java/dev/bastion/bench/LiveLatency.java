package dev.bastion.bench;

import dev.bastion.BastionServer;
import dev.bastion.config.ConfigLoader;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.keys.CaKind;
import dev.bastion.keys.CertificateRequest;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.testsupport.LoginAccount;
import dev.bastion.testsupport.OpenSsh;
import dev.bastion.testsupport.OpenSshServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Delay from a target's output to WebSocket viewers of the session: the target prints its clock
 * (nanoseconds) every 20 ms among bulk output, viewers subtract it from their clock on arrival
 * (same machine, same clock). Runs with 1 and with 50 viewers; prints median and p99.
 *
 * <p>Run with bench/live-latency.sh.
 */
public final class LiveLatency {
  private static final Pattern STAMP = Pattern.compile("STAMP(\\d{19})");

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    Path dir = Files.createTempDirectory("bastion-live-latency");
    String login = LoginAccount.name();
    Path data = dir.resolve("data");
    CaKeyStore cas = new CaKeyStore(data);
    cas.init();
    try (OpenSshServer target =
        OpenSshServer.builder(dir.resolve("target"))
            .trustedUserCaKeys(cas.load(CaKind.UPSTREAM).publicKeyLine())
            .start()) {
      int webPort = OpenSshServer.freePort();
      String base = "http://127.0.0.1:" + webPort;
      var config =
          ConfigLoader.parse(
              "bench",
              "ssh:\n  listen: 127.0.0.1:0\nweb:\n  listen: 127.0.0.1:"
                  + webPort
                  + "\n  public_url: "
                  + base
                  + "\ntargets:\n  web01:\n    address: 127.0.0.1:"
                  + target.port()
                  + "\n    host_key: \""
                  + target.hostKeyLine()
                  + "\"\n    logins: ["
                  + login
                  + "]\nroles:\n  ops:\n"
                  + "    targets: [\"*\"]\n    logins: ["
                  + login
                  + "]\n    can: [shadow]\n");
      try (BastionServer bastion = BastionServer.start(data, config, Clock.systemUTC())) {
        Path key = OpenSsh.keygen(dir, "id_bench");
        var cert =
            cas.load(CaKind.USER)
                .sign(
                    CertificateRequest.user(
                        OpenSshKeys.readPublicKey(OpenSsh.pub(key)),
                        "bench@example.com",
                        List.of("ops"),
                        Duration.ofHours(1),
                        Clock.systemUTC()));
        OpenSsh.write(OpenSsh.cert(key), OpenSshKeys.toLine(cert, null) + "\n");
        Path knownHosts = dir.resolve("known_hosts");
        OpenSsh.write(
            knownHosts,
            "@cert-authority [127.0.0.1]:"
                + bastion.sshPort()
                + " "
                + cas.load(CaKind.HOST).publicKeyLine()
                + "\n");
        for (int viewers : new int[] {1, 50}) {
          measure(bastion, base, key, knownHosts, login, viewers, seconds);
        }
      }
    }
    System.exit(0);
  }

  private static void measure(
      BastionServer bastion,
      String base,
      Path key,
      Path knownHosts,
      String login,
      int viewers,
      int seconds)
      throws Exception {
    // A busy session: 200 lines of filler (about 16 KB) and one time stamp every 20 ms.
    String script =
        "end=$(( $(date +%s) + "
            + (seconds + 3)
            + " )); while [ $(date +%s) -lt $end ]; do"
            + " i=0; while [ $i -lt 200 ]; do echo 'filler filler filler filler filler filler filler filler filler'; i=$((i+1)); done;"
            + " echo STAMP$(date +%s%N); sleep 0.02; done";
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(bastion.sshPort())));
    cmd.addAll(OpenSsh.clientOptions(key, knownHosts));
    cmd.addAll(List.of(login + "@web01@127.0.0.1", script));
    Process ssh =
        new ProcessBuilder(cmd)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();

    HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    String sessionId = null;
    for (int i = 0; i < 100 && sessionId == null; i++) {
      String cookie = cookie(http, bastion, base);
      String list =
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/api/sessions?state=live"))
                      .header("Cookie", cookie)
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      Matcher m = Pattern.compile("\"id\":\"([0-9a-f]{32})\"").matcher(list);
      if (m.find()) {
        sessionId = m.group(1);
      } else {
        Thread.sleep(50);
      }
    }
    List<Long> delays = Collections.synchronizedList(new ArrayList<>());
    long[] measureFrom = {Long.MAX_VALUE};
    List<WebSocket> sockets = new ArrayList<>();
    for (int v = 0; v < viewers; v++) {
      boolean measured = v == 0 || v == viewers - 1;
      sockets.add(
          http.newWebSocketBuilder()
              .header("Cookie", cookie(http, bastion, base))
              .header("Origin", base)
              .subprotocols("v2.asciicast")
              .buildAsync(
                  URI.create(base.replace("http", "ws") + "/api/sessions/" + sessionId + "/live"),
                  new WebSocket.Listener() {
                    StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(
                        WebSocket ws, CharSequence data, boolean last) {
                      text.append(data);
                      if (last) {
                        if (measured) {
                          long now = System.currentTimeMillis() * 1_000_000L;
                          Matcher m = STAMP.matcher(text);
                          while (m.find()) {
                            long stamp = Long.parseLong(m.group(1));
                            if (stamp
                                >= measureFrom[
                                    0]) { // output made after measuring began: catch-up excluded
                              delays.add(now - stamp);
                            }
                          }
                        }
                        text = new StringBuilder();
                      }
                      ws.request(1);
                      return null;
                    }
                  })
              .get(10, TimeUnit.SECONDS));
    }
    Thread.sleep(1000); // let the last viewers finish their catch-up
    measureFrom[0] = System.currentTimeMillis() * 1_000_000L;
    Thread.sleep(seconds * 1000L);
    List<Long> sorted;
    synchronized (delays) {
      sorted = new ArrayList<>(delays);
    }
    Collections.sort(sorted);
    ssh.destroy();
    ssh.waitFor(10, TimeUnit.SECONDS);
    for (WebSocket socket : sockets) {
      socket.abort();
    }
    if (sorted.isEmpty()) {
      System.out.printf("%2d viewers: no samples%n", viewers);
      return;
    }
    System.out.printf(
        "%2d viewers: %5d samples, median %6.1f ms, p99 %6.1f ms, max %6.1f ms%n",
        viewers,
        sorted.size(),
        sorted.get(sorted.size() / 2) / 1e6,
        sorted.get((int) (sorted.size() * 0.99)) / 1e6,
        sorted.get(sorted.size() - 1) / 1e6);
  }

  private static String cookie(HttpClient http, BastionServer bastion, String base)
      throws Exception {
    String token =
        bastion
            .loginTokens()
            .issue(
                "bench@example.com",
                java.util.Set.of(dev.bastion.web.WebRight.SHADOW),
                java.time.Instant.now().plusSeconds(3600))
            .await();
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/login?token=" + token)).build(),
            HttpResponse.BodyHandlers.ofString());
    return r.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
  }
}
