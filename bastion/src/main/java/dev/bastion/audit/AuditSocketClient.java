package dev.bastion.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The command line's side of {@link AuditSocket}: the running bastion's audit log. */
public final class AuditSocketClient implements AuditAccess {
  static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private final UnixDomainSocketAddress address;

  private AuditSocketClient(UnixDomainSocketAddress address) {
    this.address = address;
  }

  /** The running bastion's audit log, if one serves this data directory. */
  public static Optional<AuditAccess> connect(Path dataDir) {
    Path path = AuditSocket.pathIn(dataDir);
    if (!Files.exists(path)) {
      return Optional.empty();
    }
    UnixDomainSocketAddress address = UnixDomainSocketAddress.of(path);
    try (SocketChannel probe = SocketChannel.open(address)) {
      return Optional.of(new AuditSocketClient(address));
    } catch (IOException nobodyListens) {
      return Optional.empty(); // left by a bastion that was killed
    }
  }

  @Override
  public List<SessionRecord> sessions(boolean liveOnly, int limit) {
    ObjectNode q = JSON.createObjectNode().put("query", "sessions").put("live", liveOnly);
    return ask(q.put("limit", limit), SessionRecord.class);
  }

  @Override
  public List<AuditEvent> events(Instant since, String identity, int limit) {
    ObjectNode q = JSON.createObjectNode().put("query", "events").put("limit", limit);
    q.put("since", since == null ? null : since.toString());
    q.put("identity", identity);
    return ask(q, AuditEvent.class);
  }

  @Override
  public void recordReplay(AuditEvent replayed) {
    ObjectNode q = JSON.createObjectNode().put("query", "replayed");
    q.set("event", JSON.valueToTree(replayed));
    ask(q, Object.class);
  }

  private <T> List<T> ask(ObjectNode request, Class<T> type) {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(address);
      Writer out = Channels.newWriter(channel, StandardCharsets.UTF_8);
      out.write(JSON.writeValueAsString(request));
      out.write('\n');
      out.flush();
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
      List<T> rows = new ArrayList<>();
      for (String line; (line = in.readLine()) != null; ) {
        JsonNode answer = JSON.readTree(line);
        if (answer.has("error")) {
          throw new AuditException("the running bastion: " + answer.get("error").asText());
        }
        if (answer.has("end")) {
          return rows;
        }
        rows.add(JSON.treeToValue(answer.get("row"), type));
      }
      throw new AuditException("the running bastion stopped answering (" + address + ")");
    } catch (IOException e) {
      throw new AuditException(
          "cannot ask the running bastion through " + address + ": " + e.getMessage(),
          new UncheckedIOException(e));
    }
  }
}
