package dev.bastion;

import dev.bastion.cli.BastionCommand;

/** Entry point of {@code bastion.jar}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(BastionCommand.execute(args, System.out, System.err));
  }
}
