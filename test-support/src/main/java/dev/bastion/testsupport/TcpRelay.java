package dev.bastion.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP forwarder to {@code target} that a test stops and starts again on the same port:
 * while stopped nothing listens there (connections are refused) and the connections it carried are
 * closed. Lets a test make a shared server (Keycloak) unreachable without stopping it. Keycloak in
 * dev mode takes its issuer from the Host header, so an issuer reached through the relay ({@link
 * #uri()} + {@code /realms/eng}) is consistent in discovery and tokens.
 */
public final class TcpRelay implements AutoCloseable {
  private final InetSocketAddress target;
  private final int port;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private ServerSocket listener;

  private TcpRelay(InetSocketAddress target, int port) {
    this.target = target;
    this.port = port;
  }

  /** A running relay on a free loopback port to {@code target}. */
  public static TcpRelay start(InetSocketAddress target) throws IOException {
    TcpRelay relay = new TcpRelay(target, OpenSshServer.freePort());
    relay.restart();
    return relay;
  }

  /**
   * A running relay to the host and port of {@code target} (such as {@code Keycloak.baseUri()}).
   */
  public static TcpRelay start(URI target) throws IOException {
    return start(new InetSocketAddress(target.getHost(), target.getPort()));
  }

  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:<port>}. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public synchronized boolean running() {
    return listener != null;
  }

  /** Listens again on the same port (no-op when running). */
  public synchronized void restart() throws IOException {
    if (listener != null) {
      return;
    }
    ServerSocket socket = new ServerSocket();
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    listener = socket;
    Thread accept = new Thread(() -> accept(socket), "tcp-relay-" + port);
    accept.setDaemon(true);
    accept.start();
  }

  /** Stops listening and closes every connection it carries; returns once the port is closed. */
  public synchronized void stop() {
    if (listener == null) {
      return;
    }
    closeQuietly(listener);
    listener = null;
    open.forEach(TcpRelay::closeQuietly);
    open.clear();
  }

  @Override
  public void close() {
    stop();
  }

  private void accept(ServerSocket socket) {
    while (!socket.isClosed()) {
      Socket client;
      try {
        client = socket.accept();
      } catch (IOException e) {
        return;
      }
      try {
        Socket upstream = new Socket(target.getAddress(), target.getPort());
        synchronized (this) {
          if (listener != socket) {
            closeQuietly(client);
            closeQuietly(upstream);
            return;
          }
          open.add(client);
          open.add(upstream);
        }
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
              } catch (IOException e) {
                // one side closed: close both
              } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
              }
            },
            "tcp-relay-pump-" + port);
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // already closed or broken: nothing left to release
    }
  }
}
