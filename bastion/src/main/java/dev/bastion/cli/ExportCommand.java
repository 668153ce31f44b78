package dev.bastion.cli;

import dev.bastion.recorder.RecordingFormat;
import dev.bastion.recorder.Seal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bastion recordings export ID|FILE [--out FILE]}: the plain asciicast v2 text of a
 * recording, byte for byte, whatever its format on disk ({@link RecordingFormat#openPlain}).
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description =
        "Write a recording as plain asciicast v2 (stdout by default), whatever its format on disk.")
final class ExportCommand extends Subcommand {
  @Parameters(paramLabel = "ID|FILE", description = "A session id, or a .cast or .cast.zst file.")
  String which;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Write to this file (replaced only once complete) instead of stdout.")
  Path out;

  @Override
  protected void run() throws Exception {
    AuditPlace place = AuditPlace.of(root());
    RecordingArgument recording = RecordingArgument.resolve(place, which);
    if (out != null && overwritesEvidence(recording.file(), out)) {
      throw new CommandFailedException("--out " + out + " would overwrite the recording");
    }
    recording.auditReplay(
        place, "exported " + recording.file() + " to " + (out == null ? "stdout" : out));
    String warning = recording.unsealedWarning();
    if (warning != null) {
      spec.commandLine().getErr().println("bastion: " + warning);
    }
    if (out == null) {
      toStdout(recording.file());
    } else {
      toFile(recording.file(), out);
    }
  }

  private void toStdout(Path file) throws IOException {
    out().flush();
    PrintStream stdout = root().stdoutBytes();
    try (InputStream in = RecordingFormat.openPlain(file)) {
      byte[] chunk = new byte[1 << 16];
      for (int n; (n = in.read(chunk)) >= 0; ) {
        stdout.write(chunk, 0, n);
        if (stdout.checkError()) { // a closed pipe: stop reading, say so
          throw new CommandFailedException("could not write the export to stdout");
        }
      }
    }
    stdout.flush();
  }

  /** Writes beside the target first, so an export that fails leaves no half file behind. */
  private static void toFile(Path file, Path target) throws IOException {
    Path absolute = target.toAbsolutePath();
    Path part = absolute.resolveSibling("." + absolute.getFileName() + ".part");
    try (InputStream in = RecordingFormat.openPlain(file);
        OutputStream to = Files.newOutputStream(part)) {
      in.transferTo(to);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(part);
      throw e;
    }
    Files.move(part, absolute, StandardCopyOption.REPLACE_EXISTING);
  }

  /** True when writing {@code target} would replace the recording or its seal. */
  private static boolean overwritesEvidence(Path recording, Path target) throws IOException {
    for (Path evidence : new Path[] {recording, Seal.sealFileOf(recording)}) {
      if (Files.exists(target) && Files.exists(evidence) && Files.isSameFile(evidence, target)) {
        return true;
      }
    }
    return false;
  }
}
