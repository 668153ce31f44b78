package dev.bastion.audit;

import java.io.IOException;
import java.util.List;

/**
 * {@code audit.json_lines}: every audit event as one JSON line, appended to a file or standard
 * output by the stream's own thread ({@link QueuedStream}).
 */
public final class JsonLinesStream extends QueuedStream {
  JsonLinesStream(StreamFile out, String name, String node, int limit) {
    super(lines(out, new AuditJson(node)), name, limit);
  }

  /** Streams to {@code audit.json_lines}: {@code stdout} or a file opened (and checked) now. */
  public static JsonLinesStream open(String target, String node) throws IOException {
    if (target.equals("stdout")) {
      return new JsonLinesStream(StreamFile.of(System.out), target, node, QUEUE_LIMIT);
    }
    try {
      return new JsonLinesStream(
          StreamFile.open(java.nio.file.Path.of(target)), target, node, QUEUE_LIMIT);
    } catch (IOException e) {
      throw new IOException(
          "audit.json_lines: cannot open " + target + " for appending: " + describe(e), e);
    }
  }

  private static Output lines(StreamFile out, AuditJson json) {
    return new Output() {
      @Override
      public void write(List<AuditEvent> events) throws IOException {
        byte[][] lines = new byte[events.size()][];
        for (int i = 0; i < lines.length; i++) {
          lines[i] = json.line(events.get(i));
        }
        out.append(lines, lines.length);
      }

      @Override
      public void close() {
        out.close();
      }
    };
  }
}
