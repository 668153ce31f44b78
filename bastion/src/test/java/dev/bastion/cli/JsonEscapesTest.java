package dev.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --json} output keeps every control character escaped, not only those JSON requires. */
class JsonEscapesTest {
  @Test
  void delC1AndBidiControlsAreEscapedAndTheValueReadsBackTheSame() throws Exception {
    String hostile = "a\u001b[2Jb\u007fc\u009b31md\u202eé€";
    String json = AuditCommands.JSON.writeValueAsString(Map.of("identity", hostile));
    assertEquals(
        "{\n  \"identity\" : \"a\\u001B[2Jb\\u007Fc\\u009b31md\\u202eé€\"\n}",
        json.replace("\r\n", "\n"));
    assertEquals(hostile, AuditCommands.JSON.readTree(json).get("identity").asText());
  }
}
