package dev.bastion.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.audit.SessionRecord;
import dev.bastion.recorder.RecordingCheck;
import dev.bastion.recorder.RecordingFormat;
import dev.bastion.recorder.RecordingKey;
import dev.bastion.recorder.VisibleText;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bastion recordings verify} and {@code bastion play} ({@code export}: {@link
 * ExportCommand}).
 */
final class RecordingCommands {
  private RecordingCommands() {}

  @Command(
      name = "recordings",
      mixinStandardHelpOptions = true,
      description = "Check and export session recordings.",
      subcommands = {RecordingCommands.Verify.class, ExportCommand.class})
  static final class Recordings {}

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description =
          "Check recordings against their seals and the audit database; exit 1 naming each one that fails.")
  static final class Verify extends Subcommand {
    @Parameters(
        arity = "0..*",
        paramLabel = "ID|FILE",
        description = "Session ids or .cast / .cast.zst files (default: all).")
    List<String> which = new ArrayList<>();

    @Override
    protected void run() throws Exception {
      Path keyFile = dataDir().resolve("ca").resolve("recording_key.pub");
      if (!Files.exists(keyFile)) {
        throw new CommandFailedException(
            "no recording key in " + keyFile.getParent() + "; nothing was ever recorded here");
      }
      PublicKey key = RecordingKey.publicKey(keyFile);
      Map<String, SessionRecord> sessions = new LinkedHashMap<>();
      AuditPlace place = AuditPlace.of(root());
      if (place.exists()) {
        for (SessionRecord s : place.reader().sessions(false, Integer.MAX_VALUE)) {
          if (s.recordingPath() != null) {
            sessions.put(s.id(), s);
          }
        }
      }
      Map<String, Path> targets = new LinkedHashMap<>();
      if (which.isEmpty()) {
        sessions.values().forEach(s -> targets.put(s.id(), inside(place, s)));
        for (Path file : place.recordings().all()) {
          String id = RecordingFormat.sessionIdOf(file);
          if (!targets.containsKey(id)) { // a row's null (a path leading out) stays FAILED
            targets.put(id, file);
          }
        }
      }
      for (String item : which) {
        if (RecordingFormat.isRecording(Path.of(item))) {
          targets.put(RecordingFormat.sessionIdOf(Path.of(item)), Path.of(item));
        } else if (sessions.containsKey(item)) {
          targets.put(item, inside(place, sessions.get(item)));
        } else {
          throw new CommandFailedException(
              "no recorded session " + item + " in the audit database");
        }
      }
      int failed = 0;
      int checked = 0;
      for (Map.Entry<String, Path> entry : targets.entrySet()) {
        SessionRecord session = sessions.get(entry.getKey());
        if (session != null && SessionRecord.LIVE.equals(session.state())) {
          out().println("live    " + entry.getKey() + "  (still recording; sealed when it ends)");
          continue;
        }
        if (RemovedByRetention.applies(session)) {
          out().println(RemovedByRetention.line(session));
          continue;
        }
        checked++;
        if (entry.getValue() == null) {
          failed++;
          out()
              .println(
                  "FAILED  "
                      + entry.getKey()
                      + "  "
                      + session.recordingPath()
                      + ": names a file outside "
                      + place.recordings().root()
                      + "; not read");
          continue;
        }
        RecordingCheck.Result result =
            RecordingCheck.check(
                entry.getKey(),
                entry.getValue(),
                key,
                session == null ? null : session.recordingSha256());
        if (result.ok()) {
          out().println("ok      " + entry.getKey() + "  " + entry.getValue());
        } else {
          failed++;
          out()
              .println(
                  "FAILED  " + entry.getKey() + "  " + entry.getValue() + ": " + result.problem());
        }
      }
      out().flush();
      if (failed > 0) {
        throw new CommandFailedException(
            failed + " of " + checked + " recordings failed verification");
      }
    }
  }

  /** The session's recording file, or null when its stored path leads outside the directory. */
  private static Path inside(AuditPlace place, SessionRecord session) {
    return place.recordings().resolve(session.recordingPath()).orElse(null);
  }

  @Command(
      name = "play",
      mixinStandardHelpOptions = true,
      description = "Replay a recording in this terminal.")
  static final class Play extends Subcommand {
    @Parameters(
        paramLabel = "FILE|SESSION_ID",
        description = "A .cast or .cast.zst file, or a session id.")
    String which;

    @Option(
        names = "--speed",
        defaultValue = "1",
        description = "Playback speed factor (default: ${DEFAULT-VALUE}).")
    double speed;

    @Option(
        names = "--idle-limit",
        paramLabel = "S",
        description = "Cap pauses at this many seconds.")
    Double idleLimit;

    @Override
    protected void run() throws Exception {
      if (speed <= 0) {
        throw new IllegalArgumentException("--speed must be above 0");
      }
      AuditPlace place = AuditPlace.of(root());
      RecordingArgument recording = RecordingArgument.resolve(place, which);
      Path file = recording.file();
      // Replays are audited like the web viewer's, naming the operating system user.
      recording.auditReplay(place, "bastion play " + file);
      ObjectMapper json = new ObjectMapper();
      java.io.PrintWriter terminal = out();
      try (BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(RecordingFormat.openPlain(file), StandardCharsets.UTF_8))) {
        JsonNode header = json.readTree(reader.readLine());
        spec.commandLine()
            .getErr()
            .println(
                "bastion: playing "
                    + VisibleText.escape(header.path("title").asText(file.toString()))
                    + " ("
                    + header.path("width").asInt()
                    + "x"
                    + header.path("height").asInt()
                    + ")");
        double last = 0;
        for (String line; (line = reader.readLine()) != null; ) {
          JsonNode event = json.readTree(line);
          double at = event.get(0).asDouble();
          double pause = (at - last) / speed;
          if (idleLimit != null) {
            pause = Math.min(pause, idleLimit);
          }
          last = at;
          if (!"o".equals(event.get(1).asText())) {
            continue;
          }
          if (pause > 0) {
            terminal.flush();
            Thread.sleep((long) (pause * 1000));
          }
          terminal.print(event.get(2).asText());
        }
      }
      terminal.flush();
    }
  }
}
