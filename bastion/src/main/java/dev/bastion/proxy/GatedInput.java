package dev.bastion.proxy;

import dev.bastion.approval.ApprovalGate;
import java.io.IOException;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.io.AbstractIoWriteFuture;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;

/**
 * The engineer's input on a four-eyes session, both where the input pump writes and the tap that
 * holds it back. Before the target channel is open there is nowhere to send keystrokes: with a
 * terminal they are read and dropped (not recorded), except that Ctrl-C cancels the request;
 * without a terminal the pump does not start until the target is reached, so piped stdin waits in
 * the SSH window and none of it is lost. Once connected, input flows while enough approvers watch
 * and is held back (not read, so SSH flow control stops the client) while the session is paused.
 */
final class GatedInput extends AbstractCloseable implements IoOutputStream, ChannelPump.Tap {
  private static final byte CTRL_C = 3;

  private final ApprovalGate gate;
  private final ChannelPump.Tap recording;
  private final Runnable onInterrupt;
  private volatile IoOutputStream target;
  private Runnable whenConnected;

  /**
   * @param recording records input and holds it back while the recording is behind; null when input
   *     is not recorded
   * @param onInterrupt Ctrl-C typed while waiting for approvers
   */
  GatedInput(ApprovalGate gate, ChannelPump.Tap recording, Runnable onInterrupt) {
    this.gate = gate;
    this.recording = recording;
    this.onInterrupt = onInterrupt;
  }

  /** The target's channel is open: from now on input goes there. */
  void connect(IoOutputStream upstream) {
    Runnable resume;
    synchronized (this) {
      target = upstream;
      resume = whenConnected;
      whenConnected = null;
    }
    if (isClosing()) {
      upstream.close(false); // the engineer sent EOF before the target was reached
    }
    if (resume != null) {
      resume.run();
    }
  }

  // --- the tap ---------------------------------------------------------------------------------

  @Override
  public boolean ready() {
    if (target == null) {
      return gate.state() == ApprovalGate.State.WAITING; // read only to see Ctrl-C
    }
    return gate.state() != ApprovalGate.State.PAUSED && (recording == null || recording.ready());
  }

  @Override
  public void whenReady(Runnable resume) {
    synchronized (this) {
      if (target == null && gate.state() != ApprovalGate.State.WAITING) {
        whenConnected = resume; // approved, logging in to the target
        return;
      }
    }
    if (gate.state() == ApprovalGate.State.PAUSED) {
      gate.whenOpen(resume);
    } else if (recording != null && !recording.ready()) {
      recording.whenReady(resume);
    } else {
      resume.run();
    }
  }

  @Override
  public void chunk(byte[] data, int offset, int length) {
    if (target != null && recording != null) {
      recording.chunk(data, offset, length);
    }
  }

  // --- the stream ------------------------------------------------------------------------------

  @Override
  public IoWriteFuture writeBuffer(Buffer buffer) throws IOException {
    IoOutputStream upstream = target;
    if (upstream != null) {
      return upstream.writeBuffer(buffer);
    }
    byte[] data = buffer.array();
    for (int i = buffer.rpos(); i < buffer.wpos(); i++) {
      if (data[i] == CTRL_C) {
        onInterrupt.run();
        break;
      }
    }
    buffer.rpos(buffer.wpos());
    return AbstractIoWriteFuture.fulfilled(this, Boolean.TRUE);
  }

  @Override
  protected CloseFuture doCloseGracefully() {
    IoOutputStream upstream = target;
    return upstream != null ? upstream.close(false) : super.doCloseGracefully();
  }
}
