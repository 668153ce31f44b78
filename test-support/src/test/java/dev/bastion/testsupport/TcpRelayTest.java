package dev.bastion.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** The relay forwards both ways, refuses connections while stopped, and serves again on restart. */
class TcpRelayTest {

  @Test
  void forwardsRefusesWhileStoppedAndServesAgainOnTheSamePort() throws Exception {
    try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        TcpRelay relay =
            TcpRelay.start(new InetSocketAddress(echo.getInetAddress(), echo.getLocalPort()))) {
      // What each connection to the target said first. Counted by what it carried, not by
      // connection: another process on a busy machine may connect to the target's port too.
      Queue<String> heard = new ConcurrentLinkedQueue<>();
      Thread server = new Thread(() -> serveEcho(echo, heard), "echo");
      server.setDaemon(true);
      server.start();

      assertEquals("one", roundTrip(relay.port(), "one"));
      Socket carried = new Socket(InetAddress.getLoopbackAddress(), relay.port());
      assertEquals("two", roundTrip(carried, "two"));

      relay.stop();
      assertEquals(-1, carried.getInputStream().read(), "open connections end with the relay");
      // Refused while stopped. A connect may still succeed without the relay: on a busy machine
      // another process can take the freed port, or Linux can connect the socket to itself (the
      // port is in the ephemeral range). Either way it must not reach the echo server.
      try {
        roundTrip(relay.port(), "refused");
      } catch (IOException refused) {
        // the usual outcome: connection refused
      }

      relay.restart();
      assertEquals("three", roundTrip(relay.port(), "three"));
      assertEquals(
          List.of("one", "two", "three"),
          heard.stream().filter(List.of("one", "two", "refused", "three")::contains).toList(),
          "what reached the target (\"refused\" was sent while the relay was stopped)");
    }
  }

  private static String roundTrip(int port, String text) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return roundTrip(socket, text);
    }
  }

  private static String roundTrip(Socket socket, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return new String(socket.getInputStream().readNBytes(bytes.length), StandardCharsets.UTF_8);
  }

  private static void serveEcho(ServerSocket echo, Queue<String> heard) {
    while (!echo.isClosed()) {
      try {
        Socket s = echo.accept();
        Thread t =
            new Thread(
                () -> {
                  try (s;
                      InputStream in = s.getInputStream();
                      OutputStream out = s.getOutputStream()) {
                    byte[] buffer = new byte[256];
                    boolean first = true;
                    for (int n; (n = in.read(buffer)) > 0; first = false) {
                      if (first) {
                        heard.add(new String(buffer, 0, n, StandardCharsets.UTF_8));
                      }
                      out.write(buffer, 0, n);
                      out.flush();
                    }
                  } catch (IOException e) {
                    // client left
                  }
                });
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }
}
