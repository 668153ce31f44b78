package dev.bastion.audit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One open way to the collector: datagrams (RFC 5426, one message each) or a TCP connection, plain
 * or TLS, carrying octet-counted messages ({@code LEN SP MSG}, RFC 6587 / RFC 5425). Used only on
 * the stream's own thread.
 */
interface SyslogConnection extends AutoCloseable {
  /** Longest wait for a connection and a TLS handshake. */
  int CONNECT_TIMEOUT_MS = 5_000;

  /** Longest wait for one batch to be written before the connection is dropped. */
  int WRITE_TIMEOUT_MS = 10_000;

  /** Sends the messages in order. */
  void send(List<byte[]> messages) throws IOException;

  /** True once the collector has closed its end (a new connection is needed before sending). */
  boolean closedByCollector();

  @Override
  void close();

  /** Datagrams to the collector's address, resolved now. */
  static SyslogConnection datagrams(String host, int port) throws IOException {
    DatagramSocket socket = new DatagramSocket();
    try {
      // Connected: an ICMP "port unreachable" fails a later send, which is then counted.
      socket.connect(new InetSocketAddress(host, port));
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
    }
    return new SyslogConnection() {
      @Override
      public void send(List<byte[]> messages) throws IOException {
        for (byte[] message : messages) {
          socket.send(new DatagramPacket(message, message.length));
        }
      }

      @Override
      public boolean closedByCollector() {
        return false;
      }

      @Override
      public void close() {
        socket.close();
      }
    };
  }

  /**
   * A TCP connection to the collector; over TLS if {@code tls} is not null, whose certificate must
   * be trusted and name {@code host}. {@code deadlines} enforces the write timeout.
   */
  static SyslogConnection stream(
      String host, int port, SSLSocketFactory tls, ScheduledExecutorService deadlines)
      throws IOException {
    Socket raw = new Socket();
    try {
      raw.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
      raw.setSoTimeout(CONNECT_TIMEOUT_MS);
      raw.setKeepAlive(true);
      Socket socket = raw;
      if (tls != null) {
        SSLSocket secure = (SSLSocket) tls.createSocket(raw, host, port, true);
        SSLParameters parameters = secure.getSSLParameters();
        // Host name checked against the certificate, as a browser does for HTTPS.
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        secure.setSSLParameters(parameters);
        secure.startHandshake();
        socket = secure;
      }
      socket.setSoTimeout(1);
      return new Framed(raw, socket, deadlines);
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  /** Octet-counted messages on a connection. */
  final class Framed implements SyslogConnection {
    private final Socket raw;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ScheduledExecutorService deadlines;

    Framed(Socket raw, Socket socket, ScheduledExecutorService deadlines) throws IOException {
      this.raw = raw;
      this.socket = socket;
      this.in = socket.getInputStream();
      this.out = new java.io.BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
      this.deadlines = deadlines;
    }

    @Override
    public void send(List<byte[]> messages) throws IOException {
      // A socket write has no timeout of its own: closing the socket ends a write that hangs. The
      // flag is set before the close: the closed socket wakes the write before the task is done.
      java.util.concurrent.atomic.AtomicBoolean timedOut =
          new java.util.concurrent.atomic.AtomicBoolean();
      ScheduledFuture<?> deadline =
          deadlines.schedule(
              () -> {
                timedOut.set(true);
                abort();
              },
              WRITE_TIMEOUT_MS,
              TimeUnit.MILLISECONDS);
      try {
        for (byte[] message : messages) {
          out.write((message.length + " ").getBytes(StandardCharsets.US_ASCII));
          out.write(message);
        }
        out.flush();
      } catch (IOException e) {
        if (timedOut.get()) {
          throw new SocketTimeoutException(
              "the collector took no data for " + WRITE_TIMEOUT_MS / 1000 + " s");
        }
        throw e;
      } finally {
        deadline.cancel(false);
      }
    }

    /** A collector never sends: end of stream or an error means it closed the connection. */
    @Override
    public boolean closedByCollector() {
      try {
        return in.read() < 0;
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException e) {
        return true;
      }
    }

    /** Closes TLS with its close_notify; a peer that takes nothing gets the socket closed. */
    @Override
    public void close() {
      ScheduledFuture<?> deadline = deadlines.schedule(this::abort, 1, TimeUnit.SECONDS);
      try {
        socket.close();
      } catch (IOException e) {
        // Closed either way.
      } finally {
        deadline.cancel(false);
        abort();
      }
    }

    private void abort() {
      try {
        raw.close();
      } catch (IOException e) {
        // Closed either way.
      }
    }
  }
}
