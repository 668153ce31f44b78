package dev.bastion.proxy;

import java.io.EOFException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoReadFuture;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * Moves bytes from one SSH channel stream to another with flow control end to end: read, write,
 * wait for the write, read again. At most one buffer is in flight, so a slow reader on one side
 * holds back the window on the other side instead of growing memory. Completion callbacks run on
 * MINA's I/O threads; nothing here blocks.
 */
public final class ChannelPump {
  /**
   * About as large as the channel window: a smaller buffer halves throughput (docs/BENCHMARKS.md).
   */
  public static final int BUFFER_SIZE = Integer.getInteger("bastion.pumpBuffer", 256 * 1024);

  /**
   * Sees every chunk before it is forwarded (the recorder's hook); must not block or keep the
   * array. It may also hold the pump back (a recording whose disk is behind): the pump reads again
   * only when {@link #ready()}, else once {@link #whenReady} calls back.
   */
  public interface Tap {
    void chunk(byte[] data, int offset, int length);

    default boolean ready() {
      return true;
    }

    default void whenReady(Runnable resume) {
      resume.run();
    }
  }

  private final String name;
  private final IoInputStream from;
  private final IoOutputStream to;
  private final Tap tap;
  private final Consumer<Throwable> onEnd;
  private final ByteArrayBuffer buffer = new ByteArrayBuffer(BUFFER_SIZE, false);
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicBoolean ended = new AtomicBoolean();

  /**
   * @param onEnd called once: with null at end of stream, or with the failure that stopped the pump
   */
  public ChannelPump(
      String name, IoInputStream from, IoOutputStream to, Tap tap, Consumer<Throwable> onEnd) {
    this.name = name;
    this.from = from;
    this.to = to;
    this.tap = tap;
    this.onEnd = onEnd;
  }

  public void start() {
    readLoop();
  }

  public long bytes() {
    return bytes.get();
  }

  public boolean ended() {
    return ended.get();
  }

  /**
   * Reads and writes in a loop while futures complete at once; otherwise resumes from a listener.
   */
  private void readLoop() {
    while (!ended.get()) {
      if (tap != null && !tap.ready()) {
        tap.whenReady(this::readLoop);
        return;
      }
      buffer.clear();
      IoReadFuture read;
      try {
        read = from.read(buffer);
      } catch (RuntimeException e) {
        finish(e);
        return;
      }
      if (!read.isDone()) {
        read.addListener(
            done -> {
              if (forward(done)) {
                readLoop();
              }
            });
        return;
      }
      if (!forward(read)) {
        return;
      }
    }
  }

  /** Forwards what was read; returns true when the caller may read again right away. */
  private boolean forward(IoReadFuture read) {
    Throwable failure = read.getException();
    if (failure != null) {
      finish(failure instanceof EOFException ? null : failure);
      return false;
    }
    int n = read.getRead();
    if (n < 0) {
      finish(null);
      return false;
    }
    if (n == 0) {
      return true;
    }
    if (tap != null && !tap.ready()) {
      // Held back (a paused four-eyes session, a recording behind on disk): the chunk waits here.
      tap.whenReady(
          () -> {
            if (deliver(n)) {
              readLoop();
            }
          });
      return false;
    }
    return deliver(n);
  }

  /**
   * Hands the chunk in the buffer to the tap and writes it; true when the caller may read again.
   */
  private boolean deliver(int n) {
    bytes.addAndGet(n);
    if (tap != null) {
      tap.chunk(buffer.array(), buffer.rpos(), n);
    }
    IoWriteFuture write;
    try {
      write = to.writeBuffer(buffer);
    } catch (Exception e) {
      finish(e);
      return false;
    }
    if (write.isDone()) {
      return written(write);
    }
    write.addListener(
        done -> {
          if (written(done)) {
            readLoop();
          }
        });
    return false;
  }

  private boolean written(IoWriteFuture write) {
    if (write.getException() != null) {
      finish(write.getException());
      return false;
    }
    return true;
  }

  private void finish(Throwable failure) {
    if (ended.compareAndSet(false, true)) {
      onEnd.accept(failure);
    }
  }

  @Override
  public String toString() {
    return "ChannelPump[" + name + ", " + bytes.get() + " bytes]";
  }
}
