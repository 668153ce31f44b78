package dev.bastion.e2e;

import dev.bastion.testsupport.CommandResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real {@code ssh} as a person runs it (not in batch mode, so it tries keyboard-interactive),
 * with its output readable while it runs: a test waits for the sign-in instruction, acts on it, and
 * then for the end.
 */
public final class InteractiveSsh implements AutoCloseable {
  private static final Pattern CODE = Pattern.compile("enter the code (\\S+)");
  private final Process process;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final Thread outPump;
  private final Thread errPump;

  private InteractiveSsh(Process process) {
    this.process = process;
    this.outPump = pump(process.getInputStream(), out);
    this.errPump = pump(process.getErrorStream(), err);
  }

  /** {@code ssh -p PORT OPTIONS user@127.0.0.1 COMMAND} with the key (or none, if null). */
  public static InteractiveSsh start(GatewayFixture gw, Path key, String user, String... command)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    List<String> options = new ArrayList<>(gw.sshOptions(key == null ? gw.userKey : key));
    options.replaceAll(o -> o.equals("BatchMode=yes") ? "BatchMode=no" : o);
    cmd.addAll(options);
    if (key == null) {
      cmd.addAll(List.of("-o", "PubkeyAuthentication=no"));
    }
    cmd.add(user + "@127.0.0.1");
    cmd.addAll(List.of(command));
    ProcessBuilder builder = new ProcessBuilder(cmd);
    builder.environment().put("LC_ALL", "C");
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return new InteractiveSsh(builder.start());
  }

  /** The user code of the device sign-in the terminal shows, once it shows it. */
  public String awaitCode() throws InterruptedException {
    Matcher m = CODE.matcher(awaitStderr("(the code is valid for "));
    if (!m.find()) {
      throw new AssertionError("no code in the sign-in instruction:\n" + stderr());
    }
    return m.group(1);
  }

  /** Everything on stderr so far, once it contains {@code text} (within about 30 seconds). */
  public String awaitStderr(String text) throws InterruptedException {
    for (int i = 0; i < 600; i++) {
      String now = stderr();
      if (now.contains(text)) {
        return now;
      }
      if (!process.isAlive()) {
        errPump.join();
        if (!stderr().contains(text)) {
          break;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("ssh never printed '" + text + "'; stderr:\n" + stderr());
  }

  /** Everything on stdout so far, once it contains {@code text} (within about 30 seconds). */
  public String awaitStdout(String text) throws InterruptedException {
    for (int i = 0; i < 600; i++) {
      String now;
      synchronized (out) {
        now = out.toString(StandardCharsets.UTF_8);
      }
      if (now.contains(text)) {
        return now;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("ssh never printed '" + text + "' on stdout; stderr:\n" + stderr());
  }

  public String stderr() {
    synchronized (err) {
      return err.toString(StandardCharsets.UTF_8);
    }
  }

  /** Waits for ssh to end (within a minute). */
  public CommandResult result() throws InterruptedException {
    return result(java.time.Duration.ofMinutes(1));
  }

  /** Waits for ssh to end within {@code patience}. */
  public CommandResult result(java.time.Duration patience) throws InterruptedException {
    if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("ssh did not end; stderr:\n" + stderr());
    }
    outPump.join();
    errPump.join();
    String stdout;
    synchronized (out) {
      stdout = out.toString(StandardCharsets.UTF_8);
    }
    return new CommandResult(List.of("ssh"), process.exitValue(), stdout, stderr());
  }

  /** The person gives up: ssh is killed. */
  public void kill() {
    process.destroyForcibly();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }

  private static Thread pump(InputStream in, ByteArrayOutputStream sink) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[4096];
              try {
                for (int n; (n = in.read(buf)) > 0; ) {
                  synchronized (sink) {
                    sink.write(buf, 0, n);
                  }
                }
              } catch (IOException ignored) {
                // the process ended
              }
            });
    t.setDaemon(true);
    t.start();
    return t;
  }
}
