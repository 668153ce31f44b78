package dev.bastion.cli;

import dev.bastion.keys.KeyFileException;
import dev.bastion.recorder.VisibleText;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code bastion}: the root command, holding the options every subcommand shares. */
@Command(
    name = "bastion",
    mixinStandardHelpOptions = true,
    versionProvider = BastionCommand.Version.class,
    description = "SSH bastion with certificate logins, session recording and live shadowing.",
    subcommands = {
      ServeCommand.class,
      DemoCommand.class,
      AuditCommands.Sessions.class,
      AuditCommands.Audit.class,
      RecordingCommands.Recordings.class,
      RecordingCommands.Play.class,
      CaCommand.class,
      CertCommand.class,
      CommandLine.HelpCommand.class
    })
public final class BastionCommand {
  /** Exit status of a refused or failed operation. */
  public static final int EXIT_FAILED = 1;

  /** Exit status of bad usage. */
  public static final int EXIT_USAGE = 2;

  @Option(
      names = "--data-dir",
      scope = ScopeType.INHERIT,
      paramLabel = "DIR",
      description = "Data directory (default: $BASTION_DATA_DIR or ./bastion-data).")
  private Path dataDir;

  @Option(
      names = "--config",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description = "Configuration file (default: <data-dir>/bastion.yaml if present).")
  private Path config;

  /** Standard output as bytes, for commands that pass a file's bytes on ({@code export}). */
  private PrintStream stdoutBytes = System.out;

  PrintStream stdoutBytes() {
    return stdoutBytes;
  }

  /**
   * The data directory in force: the option, else {@code $BASTION_DATA_DIR}, else {@code
   * ./bastion-data}.
   */
  public Path dataDir() {
    if (dataDir != null) {
      return dataDir;
    }
    String env = System.getenv("BASTION_DATA_DIR");
    return Path.of(env == null || env.isBlank() ? "bastion-data" : env);
  }

  /** The configuration file in force, if any; a file named with --config must exist. */
  public Optional<Path> configFile() {
    if (config != null) {
      if (!Files.isRegularFile(config)) {
        throw new CommandFailedException("configuration file " + config + " does not exist");
      }
      return Optional.of(config);
    }
    Path implicit = dataDir().resolve("bastion.yaml");
    return Files.isRegularFile(implicit) ? Optional.of(implicit) : Optional.empty();
  }

  /** Runs the command line; returns the exit status (0 success, 1 failed, 2 bad usage). */
  public static int execute(String[] args, PrintStream out, PrintStream err) {
    PrintWriter outWriter = new PrintWriter(out, true, StandardCharsets.UTF_8);
    PrintWriter errWriter = new PrintWriter(err, true, StandardCharsets.UTF_8);
    BastionCommand root = new BastionCommand();
    root.stdoutBytes = out;
    CommandLine cli = new CommandLine(root);
    cli.setOut(outWriter);
    cli.setErr(errWriter);
    cli.setExitCodeExceptionMapper(e -> EXIT_FAILED);
    cli.setParameterExceptionHandler(
        (ex, arguments) -> {
          errWriter.println("bastion: " + VisibleText.escape(ex.getMessage()));
          CommandLine.UnmatchedArgumentException.printSuggestions(ex, errWriter);
          errWriter.println(
              "Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
          return EXIT_USAGE;
        });
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (ex instanceof CommandLine.ParameterException pe) {
            throw pe;
          }
          if (ex instanceof CommandFailedException
              || ex instanceof KeyFileException
              || ex instanceof dev.bastion.config.ConfigException
              || ex instanceof dev.bastion.audit.AuditException
              || ex instanceof java.io.IOException
              || ex instanceof IllegalArgumentException) {
            errWriter.println("bastion: " + VisibleText.escape(ex.getMessage()));
            return EXIT_FAILED;
          }
          errWriter.println("bastion: unexpected error: " + VisibleText.escape(ex.toString()));
          ex.printStackTrace(errWriter);
          return EXIT_FAILED;
        });
    int status = cli.execute(args);
    outWriter.flush();
    errWriter.flush();
    return status;
  }

  /** Version from the jar manifest, or "development" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = BastionCommand.class.getPackage().getImplementationVersion();
      return new String[] {"bastion " + (version == null ? "development" : version)};
    }
  }
}
