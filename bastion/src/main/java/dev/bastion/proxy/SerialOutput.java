package dev.bastion.proxy;

import java.io.IOException;
import java.util.ArrayDeque;
import org.apache.sshd.common.channel.IoWriteFutureImpl;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;

/**
 * The engineer's stderr, shared by the target's stderr pump and the bastion's own lines ("paused:
 * ...", "session terminated by ..."). MINA's channel streams refuse a second write while one is in
 * flight (and the refused write would end the pump), so writes go out one at a time, in order. The
 * queue stays small: the pump waits for each of its writes, so it holds at most one pump buffer,
 * plus the bastion's few short lines, which are capped.
 */
final class SerialOutput extends AbstractCloseable implements IoOutputStream {
  static final int MAX_QUEUED = 32;

  private final IoOutputStream out;
  private final ArrayDeque<IoWriteFutureImpl> queue = new ArrayDeque<>();
  private boolean writing;

  SerialOutput(IoOutputStream out) {
    this.out = out;
  }

  @Override
  public IoWriteFuture writeBuffer(Buffer buffer) throws IOException {
    IoWriteFutureImpl future = new IoWriteFutureImpl(this, buffer);
    synchronized (queue) {
      if (writing) {
        if (queue.size() >= MAX_QUEUED) {
          throw new IOException("too many writes waiting for the client's stderr");
        }
        queue.add(future);
        return future;
      }
      writing = true;
    }
    write(future);
    return future;
  }

  private void write(IoWriteFutureImpl future) {
    try {
      out.writeBuffer(future.getBuffer())
          .addListener(
              done -> {
                future.setValue(done.isWritten() ? Boolean.TRUE : done.getException());
                next();
              });
    } catch (IOException | RuntimeException e) {
      future.setValue(e);
      next();
    }
  }

  private void next() {
    IoWriteFutureImpl following;
    synchronized (queue) {
      following = queue.poll();
      if (following == null) {
        writing = false;
        return;
      }
    }
    write(following);
  }

  @Override
  protected CloseFuture doCloseGracefully() {
    return out.close(false);
  }

  @Override
  protected void doCloseImmediately() {
    out.close(true);
    super.doCloseImmediately();
  }
}
