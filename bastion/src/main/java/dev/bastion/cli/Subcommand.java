package dev.bastion.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every leaf command shares: the global options and the output streams. */
abstract class Subcommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  protected BastionCommand root() {
    return (BastionCommand) spec.root().userObject();
  }

  protected Path dataDir() {
    return root().dataDir();
  }

  protected PrintWriter out() {
    return spec.commandLine().getOut();
  }

  @Override
  public final Integer call() throws Exception {
    run();
    out().flush();
    return 0;
  }

  protected abstract void run() throws Exception;
}
