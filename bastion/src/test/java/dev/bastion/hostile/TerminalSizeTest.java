package dev.bastion.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.audit.SessionRecord;
import dev.bastion.e2e.GatewayFixture;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * An engineer cannot blind the watchers with a terminal size: whatever a pty request or a window
 * change says (uint32 on the wire, 0xFFFFFFFF included), the target and the recording (which the
 * watchers' player reads) get a size within 1..500 columns and 1..300 rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TerminalSizeTest {
  static final ObjectMapper JSON = new ObjectMapper();

  GatewayFixture gw;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    gw = GatewayFixture.start(dir, "");
  }

  @AfterAll
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void hugeTerminalSizesAreHeldToBoundsOnTheTargetAndInTheRecording() throws Exception {
    String command = "stty size; while read line && [ \"$line\" != q ]; do stty size; done";
    try (HostileClient engineer = HostileClient.login(gw.port(), gw.onTarget(), gw.userKey)) {
      HostileClient.Terminal terminal = engineer.exec(command, 65535, 70000);
      terminal.await(seen -> seen.contains("300 500"));

      terminal.resize(-1, 0); // 0xFFFFFFFF columns; 0 rows means "not given"
      // The window change and the typed line travel apart: type until the target reports it.
      for (int i = 0; i < 100 && !terminal.seen().contains("24 500"); i++) {
        terminal.type("\n");
        terminal.awaitWithin(seen -> seen.contains("24 500"), 200);
      }
      terminal.await(seen -> seen.contains("24 500"));
      terminal.type("q\n");
      terminal.channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), HostileClient.TIMEOUT);
      assertTrue(
          !terminal.seen().contains("65535") && !terminal.seen().contains("4464"), terminal.seen());
    }

    SessionRecord session = gw.awaitSealed(s -> command.equals(s.command()));
    try (BufferedReader reader =
        new BufferedReader(
            new java.io.InputStreamReader(
                dev.bastion.recorder.RecordingFormat.openPlain(
                    gw.dataDir.resolve(session.recordingPath())),
                StandardCharsets.UTF_8))) {
      JsonNode header = JSON.readTree(reader.readLine());
      assertEquals(500, header.get("width").asInt(), header.toString());
      assertEquals(300, header.get("height").asInt(), header.toString());
      List<String> resizes = new ArrayList<>();
      for (String line; (line = reader.readLine()) != null; ) {
        JsonNode event = JSON.readTree(line);
        if (event.get(1).asText().equals("r")) {
          resizes.add(event.get(2).asText());
        }
      }
      assertEquals(List.of("500x24"), resizes);
    }
  }
}
