package dev.bastion.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.config.BastionConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two nodes on loopback forming a fleet with real Hazelcast and the clustered event bus. */
class FleetTest {
  private static final FleetKey KEY = TestFleetKey.KEY;

  static int freePortPair() throws IOException {
    return dev.bastion.e2e.TwoNodes.freePortPair();
  }

  static BastionConfig.Cluster node(String name, int port, int... others) {
    List<InetSocketAddress> members =
        java.util.stream.IntStream.concat(
                java.util.stream.IntStream.of(port), java.util.stream.IntStream.of(others))
            .mapToObj(p -> new InetSocketAddress("127.0.0.1", p))
            .toList();
    return new BastionConfig.Cluster(name, new InetSocketAddress("127.0.0.1", port), members);
  }

  @Test
  void nodesSeeEachOtherTalkOverTheBusAndNoticeADeparture() throws Exception {
    int a = freePortPair();
    int b = freePortPair();
    try (Fleet first = Fleet.join(node("node-a", a, b), KEY)) {
      CompletableFuture<String> left = new CompletableFuture<>();
      first.onNodeLeft(left::complete);
      Fleet second = Fleet.join(node("node-b", b, a), KEY);
      try {
        assertEquals(Set.of("node-a", "node-b"), first.members());
        assertEquals(Set.of("node-a", "node-b"), second.members());
        assertTrue(first.oldest());
        assertFalse(second.oldest());
        assertTrue(second.joined());
        second.vertx().eventBus().consumer("fleet-test", m -> m.reply("pong from node-b"));
        String answer = awaitReply(first, "fleet-test");
        assertEquals("pong from node-b", answer);
      } finally {
        second.close();
      }
      assertEquals("node-b", left.get(30, TimeUnit.SECONDS));
      assertEquals(Set.of("node-a"), first.members());
    }
  }

  /** The consumer's registration travels through Hazelcast; ask until it has arrived. */
  private static String awaitReply(Fleet from, String address) throws Exception {
    Exception last = null;
    for (int i = 0; i < 20; i++) {
      try {
        return from.vertx()
            .eventBus()
            .<String>request(address, "ping")
            .toCompletionStage()
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS)
            .body();
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        last = e;
        Thread.sleep(100);
      }
    }
    throw last;
  }

  @Test
  void aSecondNodeWithTheSameNameIsRefused() throws Exception {
    int a = freePortPair();
    int b = freePortPair();
    try (Fleet first = Fleet.join(node("same", a, b), KEY)) {
      IOException e = assertThrows(IOException.class, () -> Fleet.join(node("same", b, a), KEY));
      assertTrue(e.getMessage().contains("already used"), e.getMessage());
      assertEquals(Set.of("same"), first.members());
    }
  }

  @Test
  void aNodeWithOtherCaKeysIsToldSo() throws Exception {
    int a = freePortPair();
    int b = freePortPair();
    try (Fleet first = Fleet.join(node("node-a", a, b), KEY)) {
      CompletableFuture<String> left = new CompletableFuture<>();
      first.onNodeLeft(left::complete);
      IOException e =
          assertThrows(
              IOException.class, () -> Fleet.join(node("node-b", b, a), TestFleetKey.other()));
      assertTrue(e.getMessage().contains("other CA keys"), e.getMessage());
      assertTrue(e.getMessage().contains("copy the data directory's ca/"), e.getMessage());
      assertEquals("node-b", left.get(30, TimeUnit.SECONDS)); // it left at once
    }
  }

  @Test
  void theEventBusTakesOnlyClientsWithTheFleetCertificate() throws Exception {
    int a = freePortPair();
    try (Fleet alone = Fleet.join(node("node-a", a), KEY)) {
      javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
      context.init(
          null,
          new javax.net.ssl.TrustManager[] {
            new javax.net.ssl.X509TrustManager() {
              @Override
              public void checkClientTrusted(java.security.cert.X509Certificate[] c, String t) {}

              @Override
              public void checkServerTrusted(java.security.cert.X509Certificate[] c, String t) {}

              @Override
              public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
              }
            }
          },
          null);
      try (javax.net.ssl.SSLSocket socket =
          (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", a + 1)) {
        socket.setSoTimeout(10_000);
        // A stranger without the fleet certificate: the node ends the handshake.
        assertThrows(
            IOException.class,
            () -> {
              socket.startHandshake();
              socket.getOutputStream().write(new byte[] {0, 0, 0, 1, 1});
              socket.getOutputStream().flush();
              if (socket.getInputStream().read() < 0) {
                throw new IOException("closed by the node");
              }
            });
      }
    }
  }
}
