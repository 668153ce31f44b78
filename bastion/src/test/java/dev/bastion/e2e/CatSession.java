package dev.bastion.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The real ssh client running {@code cat} on a target through the bastion: each line typed comes
 * back while the session works.
 */
final class CatSession {
  private final Process ssh;
  private final OutputStream typed;
  private final BufferedReader echoed;

  private CatSession(Process ssh) {
    this.ssh = ssh;
    this.typed = ssh.getOutputStream();
    this.echoed =
        new BufferedReader(new InputStreamReader(ssh.getInputStream(), StandardCharsets.UTF_8));
  }

  /** Starts {@code sshCommand}, whose remote command is {@code cat}. */
  static CatSession start(List<String> sshCommand) throws IOException {
    return new CatSession(new ProcessBuilder(sshCommand).start());
  }

  /** Types {@code line} and returns the line that came back. */
  String echo(String line) throws IOException {
    typed.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    typed.flush();
    return echoed.readLine();
  }

  /** Ends the input; returns ssh's exit status. */
  int end() throws IOException, InterruptedException {
    typed.close();
    return ssh.waitFor();
  }
}
