package dev.bastion.cli;

import dev.bastion.keys.CaKeyStore;
import dev.bastion.keys.CaKind;
import dev.bastion.keys.CertificateAuthority;
import dev.bastion.recorder.RecordingKey;
import java.nio.file.Files;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code bastion ca}: the three certificate authorities. */
@Command(
    name = "ca",
    mixinStandardHelpOptions = true,
    description = "Manage the user, host and upstream certificate authorities.",
    subcommands = {CaCommand.Init.class, CaCommand.Show.class})
final class CaCommand {

  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      description =
          "Create the three CA key pairs and the recording key in <data-dir>/ca/ if missing; never"
              + " overwrites.")
  static final class Init extends Subcommand {
    @Override
    protected void run() {
      CaKeyStore store = new CaKeyStore(dataDir());
      List<CaKind> created = store.init();
      for (CaKind kind : CaKind.values()) {
        CertificateAuthority ca = store.load(kind);
        out()
            .printf(
                "%-12s %-8s %s  %s%n",
                kind.cliName() + " CA",
                created.contains(kind) ? "created" : "exists",
                ca.fingerprint(),
                store.privateKeyFile(kind));
      }
      // Recordings are signed with it: every node of a fleet needs the same one, so it is made
      // here, before an operator copies ca/ to the other nodes, not at a node's first start.
      boolean recordingKey = Files.exists(store.directory().resolve("recording_key"));
      RecordingKey.loadOrCreate(store.directory());
      out()
          .printf(
              "%-12s %-8s %s%n",
              "recording",
              recordingKey ? "exists" : "created",
              store.directory().resolve("recording_key"));
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Print a CA's public key as one OpenSSH line.")
  static final class Show extends Subcommand {
    @Parameters(
        paramLabel = "user|host|upstream",
        description = "Which CA: ${COMPLETION-CANDIDATES}.",
        converter = CaKindConverter.class,
        completionCandidates = CaKindConverter.Names.class)
    CaKind kind;

    @Override
    protected void run() {
      out().println(new CaKeyStore(dataDir()).load(kind).publicKeyLine());
    }
  }
}
