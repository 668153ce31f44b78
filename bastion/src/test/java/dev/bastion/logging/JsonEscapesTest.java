package dev.bastion.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code --json} output and the audit stream keep every control character escaped, not only those
 * JSON requires.
 */
class JsonEscapesTest {
  private static final ObjectMapper JSON =
      new ObjectMapper(new JsonFactory().setCharacterEscapes(new JsonEscapes()));

  @Test
  void delC1AndBidiControlsAreEscapedAndTheValueReadsBackTheSame() throws Exception {
    String hostile = "a\u001b[2Jb\u007fc\u009b31md\u202ee\u2028f\u2066é€";
    String json =
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(Map.of("identity", hostile));
    assertEquals(
        "{\n  \"identity\" : \"a\\u001B[2Jb\\u007Fc\\u009B31md\\u202Ee\\u2028f\\u2066é€\"\n}",
        json.replace("\r\n", "\n"));
    assertEquals(hostile, JSON.readTree(json).get("identity").asText());
  }
}
