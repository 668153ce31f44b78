package dev.bastion.proxy;

import java.io.IOException;
import org.apache.sshd.common.io.AbstractIoWriteFuture;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;

/**
 * Where an engineer's keystrokes go while a session waits for approvers: nowhere, except that
 * Ctrl-C cancels the request. Once the target channel is open, everything goes to it.
 */
final class DeferredInput extends AbstractCloseable implements IoOutputStream {
  private final Runnable onInterrupt;
  private volatile IoOutputStream target;

  DeferredInput(Runnable onInterrupt) {
    this.onInterrupt = onInterrupt;
  }

  void connect(IoOutputStream upstream) {
    this.target = upstream;
  }

  @Override
  public IoWriteFuture writeBuffer(Buffer buffer) throws IOException {
    IoOutputStream upstream = target;
    if (upstream != null) {
      return upstream.writeBuffer(buffer);
    }
    byte[] data = buffer.array();
    for (int i = buffer.rpos(); i < buffer.wpos(); i++) {
      if (data[i] == 3) { // Ctrl-C
        onInterrupt.run();
        break;
      }
    }
    buffer.rpos(buffer.wpos());
    return AbstractIoWriteFuture.fulfilled(this, Boolean.TRUE);
  }

  @Override
  protected org.apache.sshd.common.future.CloseFuture doCloseGracefully() {
    IoOutputStream upstream = target;
    return upstream != null ? upstream.close(false) : super.doCloseGracefully();
  }
}
