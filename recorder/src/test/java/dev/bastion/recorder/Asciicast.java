package dev.bastion.recorder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A recording read back with a standard JSON parser, as any asciicast player would. */
record Asciicast(JsonNode header, List<JsonNode> events) {
  static final ObjectMapper JSON = new ObjectMapper();

  static Asciicast read(Path file) throws IOException {
    List<String> lines =
        new String(RecordingFormat.readPlain(file), StandardCharsets.UTF_8).lines().toList();
    List<JsonNode> events = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      events.add(JSON.readTree(line));
    }
    return new Asciicast(JSON.readTree(lines.get(0)), events);
  }

  /** Concatenated data of the events with this code, as UTF-8 bytes. */
  byte[] data(String code) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (JsonNode e : events) {
      if (e.get(1).asText().equals(code)) {
        out.writeBytes(e.get(2).asText().getBytes(StandardCharsets.UTF_8));
      }
    }
    return out.toByteArray();
  }
}
