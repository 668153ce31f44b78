package dev.bastion.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The relay forwards both ways, refuses connections while stopped, and serves again on restart. */
class TcpRelayTest {

  @Test
  void forwardsRefusesWhileStoppedAndServesAgainOnTheSamePort() throws Exception {
    try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        TcpRelay relay =
            TcpRelay.start(new InetSocketAddress(echo.getInetAddress(), echo.getLocalPort()))) {
      Thread server = new Thread(() -> serveEcho(echo), "echo");
      server.setDaemon(true);
      server.start();

      assertEquals("one", roundTrip(relay.port(), "one"));
      Socket carried = new Socket(InetAddress.getLoopbackAddress(), relay.port());
      assertEquals("two", roundTrip(carried, "two"));

      relay.stop();
      assertEquals(-1, carried.getInputStream().read(), "open connections end with the relay");
      assertThrows(ConnectException.class, () -> roundTrip(relay.port(), "refused"));

      relay.restart();
      assertEquals("three", roundTrip(relay.port(), "three"));
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

  private static void serveEcho(ServerSocket echo) {
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
                    for (int n; (n = in.read(buffer)) > 0; ) {
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
