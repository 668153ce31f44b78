package dev.bastion.proxy;

import dev.bastion.recorder.VisibleText;
import java.nio.charset.StandardCharsets;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/** The engineer's side of a session: its streams, and how to tell them something and end. */
interface ClientChannel {
  IoOutputStream out();

  IoOutputStream err();

  boolean hasPty();

  /** Ends the channel with an exit status (EOF, exit-status, close). */
  void exit(int status);

  /** Ends the channel as the target's process ended: killed by a signal. */
  void exitBySignal(String signal);

  /** Runs {@code then} once the channel is closed (at once if it is already). */
  void whenClosed(Runnable then);

  /**
   * Writes one line on stderr ({@code bastion: ...}), then runs {@code then} with nothing pending.
   * Control characters in the message (a reason someone typed, a name from a certificate) become
   * visible escapes: what reaches the engineer's terminal cannot drive it.
   */
  default void tell(String message, Runnable then) {
    String eol = hasPty() ? "\r\n" : "\n";
    byte[] bytes =
        ("bastion: " + VisibleText.escape(message) + eol).getBytes(StandardCharsets.UTF_8);
    try {
      err().writeBuffer(new ByteArrayBuffer(bytes)).addListener(done -> then.run());
    } catch (Exception e) {
      then.run();
    }
  }

  /** Tells the user why and exits with the status. */
  default void refuse(String message, int status) {
    tell(message, () -> exit(status));
  }
}
