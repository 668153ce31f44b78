package dev.bastion.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code <data-dir>/bastion.sock}: a Unix domain socket (mode 0600, in the 0700 data directory)
 * through which {@code bastion sessions}, {@code bastion audit}, {@code bastion recordings} and
 * {@code bastion play} reach the audit log of the running bastion, which alone holds the database
 * open. Only the bastion's own operating system user may connect (checked again with the peer's
 * credentials). One request per connection, a JSON line ({@code {"query":"sessions","live":true,
 * "limit":100}}, {@code {"query":"events","since":"...","identity":"...","limit":1000}} or {@code
 * {"query":"replayed","event":{...}}}); the answer is one {@code {"row":...}} line per row, then
 * {@code {"end":true}}, or {@code {"error":"..."}}. Served on its own threads, never an event loop.
 */
public final class AuditSocket implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditSocket.class);
  static final String FILE_NAME = "bastion.sock";
  private static final int MAX_REQUEST = 64 * 1024;

  private final Path path;
  private final ServerSocketChannel server;
  private final AuditReader reader;
  private final AuditLog audit;
  private final ThreadPoolExecutor answering =
      new ThreadPoolExecutor(
          2,
          2,
          30,
          TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(16),
          r -> {
            Thread t = new Thread(r, "audit-socket");
            t.setDaemon(true);
            return t;
          });

  private AuditSocket(Path path, ServerSocketChannel server, AuditReader reader, AuditLog audit) {
    this.path = path;
    this.server = server;
    this.reader = reader;
    this.audit = audit;
  }

  /** Listens on {@code <data-dir>/bastion.sock}, replacing one a killed bastion left behind. */
  public static AuditSocket open(Path dataDir, AuditReader reader, AuditLog audit)
      throws IOException {
    Path path = dataDir.toAbsolutePath().resolve(FILE_NAME);
    // Only the process holding the audit database (this one) serves it, so an existing socket
    // file is a dead bastion's.
    Files.deleteIfExists(path);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    AuditSocket socket = new AuditSocket(path, server, reader, audit);
    Thread accepting = new Thread(socket::accept, "audit-socket-accept");
    accepting.setDaemon(true);
    accepting.start();
    return socket;
  }

  static Path pathIn(Path dataDir) {
    return dataDir.resolve(FILE_NAME);
  }

  private void accept() {
    while (server.isOpen()) {
      SocketChannel peer;
      try {
        peer = server.accept();
      } catch (ClosedChannelException closed) {
        return;
      } catch (IOException e) {
        LOG.warn("audit socket: {}", e.getMessage());
        continue;
      }
      try {
        answering.execute(() -> answer(peer));
      } catch (RejectedExecutionException busy) {
        close(peer);
      }
    }
  }

  private void answer(SocketChannel peer) {
    try (peer;
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(Channels.newInputStream(peer), StandardCharsets.UTF_8));
        Writer out = Channels.newWriter(peer, StandardCharsets.UTF_8)) {
      String owner = System.getProperty("user.name");
      String user = peer.getOption(ExtendedSocketOptions.SO_PEERCRED).user().getName();
      if (!user.equals(owner)) {
        line(out, error("only " + owner + " may read this bastion's audit log"));
        return;
      }
      String request = readRequest(in);
      if (request != null) {
        answer(AuditSocketClient.JSON.readTree(request), out);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("audit socket request failed: {}", e.toString());
    }
  }

  private void answer(JsonNode request, Writer out) throws IOException {
    int limit = Math.max(1, request.path("limit").asInt(1000));
    try {
      switch (request.path("query").asText()) {
        case "sessions" -> {
          for (SessionRecord s : reader.sessions(request.path("live").asBoolean(), limit)) {
            row(out, s);
          }
        }
        case "events" -> {
          Instant since =
              request.hasNonNull("since") ? Instant.parse(request.get("since").asText()) : null;
          String identity =
              request.hasNonNull("identity") ? request.get("identity").asText() : null;
          for (AuditEvent e : reader.events(since, identity, limit)) {
            row(out, e);
          }
        }
        case "replayed" -> {
          AuditEvent e = AuditSocketClient.JSON.treeToValue(request.get("event"), AuditEvent.class);
          if (e == null || e.kind() != AuditKind.RECORDING_REPLAYED) {
            throw new IllegalArgumentException("only recording_replayed rows may be added");
          }
          audit.record(e).join();
        }
        default -> throw new IllegalArgumentException("unknown query " + request.path("query"));
      }
    } catch (RuntimeException e) {
      line(out, error(e.getMessage() == null ? e.toString() : e.getMessage()));
      return;
    }
    line(out, "{\"end\":true}");
  }

  private static String readRequest(BufferedReader in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c; (c = in.read()) != '\n'; ) {
      if (c < 0) {
        return line.length() == 0 ? null : line.toString();
      }
      if (line.length() >= MAX_REQUEST) {
        throw new IOException("request over " + MAX_REQUEST + " characters");
      }
      line.append((char) c);
    }
    return line.toString();
  }

  private static void row(Writer out, Object row) throws IOException {
    ObjectNode line = AuditSocketClient.JSON.createObjectNode();
    line.set("row", AuditSocketClient.JSON.valueToTree(row));
    line(out, AuditSocketClient.JSON.writeValueAsString(line));
  }

  private static String error(String message) throws IOException {
    return AuditSocketClient.JSON.writeValueAsString(
        AuditSocketClient.JSON.createObjectNode().put("error", message));
  }

  private static void line(Writer out, String json) throws IOException {
    out.write(json);
    out.write('\n');
    out.flush();
  }

  private static void close(SocketChannel peer) {
    try {
      peer.close();
    } catch (IOException ignored) {
      // nothing more to tell it
    }
  }

  /** Stops answering and removes the socket file. */
  @Override
  public void close() {
    try {
      server.close();
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.warn("closing the audit socket: {}", e.getMessage());
    }
    answering.shutdownNow();
  }
}
