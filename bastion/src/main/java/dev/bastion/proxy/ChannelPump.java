package dev.bastion.proxy;

import java.io.EOFException;
import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
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
 *
 * <p>Memory follows the data. A quiet stream waits for input with a small buffer ({@link
 * #PROBE_SIZE}), so an idle session holds no large buffer. A read that fills its buffer means more
 * is waiting: the next read uses a buffer twice as large, up to {@link #BUFFER_SIZE}, which bulk
 * transfers need for throughput. Once the stream runs dry the large buffer is kept only weakly
 * while the pump waits with the small one again: a burst that follows soon reuses it, and the
 * garbage collector takes it back from a stream that stays quiet (no timer; while transfers keep
 * going, at most one new large buffer per garbage collection, not one per burst).
 */
public final class ChannelPump {
  /**
   * About as large as the channel window: a smaller buffer halves throughput (docs/BENCHMARKS.md).
   */
  public static final int BUFFER_SIZE = Integer.getInteger("bastion.pumpBuffer", 256 * 1024);

  /** The buffer a quiet stream waits with: a keystroke, a line, a prompt fit. */
  public static final int PROBE_SIZE = Math.min(4 * 1024, BUFFER_SIZE);

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
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicBoolean ended = new AtomicBoolean();
  private LongAdder total;

  // One read or write at a time touches these: each step starts from the completion of the last.
  private ByteArrayBuffer probe;
  private ByteArrayBuffer large;
  private WeakReference<ByteArrayBuffer> spare;
  private ByteArrayBuffer buffer;
  private boolean lastReadFilled;

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

  /** Also adds every chunk forwarded to {@code total} (set before {@link #start}). */
  ChannelPump countedIn(LongAdder total) {
    this.total = total;
    return this;
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
   * Bytes of buffer this pump holds on to now (the weakly kept spare not counted): {@link
   * #PROBE_SIZE} while the stream is quiet, more only while data is moving.
   */
  public synchronized int bufferBytes() {
    return (probe == null ? 0 : probe.array().length) + (large == null ? 0 : large.array().length);
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
      buffer = nextBuffer();
      // Not clear(): that zeroes the whole buffer (up to 256 KiB) before every read, though only
      // the bytes a read puts in are ever used.
      buffer.clear(false);
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
    lastReadFilled = n == buffer.array().length;
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
    if (total != null) {
      total.add(n);
    }
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

  /**
   * The buffer for the next read: the small one once the stream ran dry (the large one then kept
   * only weakly), else the large one, doubled when the last read filled it.
   */
  private synchronized ByteArrayBuffer nextBuffer() {
    if (probe == null) {
      probe = new ByteArrayBuffer(PROBE_SIZE, false);
    }
    if (!lastReadFilled || PROBE_SIZE >= BUFFER_SIZE) {
      if (large != null) {
        spare = new WeakReference<>(large);
        large = null;
      }
      return probe;
    }
    if (large == null) {
      large = spare == null ? null : spare.get();
      spare = null;
    }
    if (large == null) {
      large = new ByteArrayBuffer(Math.min(2 * PROBE_SIZE, BUFFER_SIZE), false);
    } else if (buffer == large && large.array().length < BUFFER_SIZE) {
      large = new ByteArrayBuffer(Math.min(2 * large.array().length, BUFFER_SIZE), false);
    }
    return large;
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
