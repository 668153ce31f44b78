package dev.bastion.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.common.channel.ChannelAsyncInputStream.IoReadFutureImpl;
import org.apache.sshd.common.channel.IoWriteFutureImpl;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoReadFuture;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.io.ReadPendingException;
import org.apache.sshd.common.io.WritePendingException;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;
import org.junit.jupiter.api.Test;

class ChannelPumpTest {
  /** Like MINA's channel input: data waits inside; a read takes what fits the reader's buffer. */
  static final class Incoming extends AbstractCloseable implements IoInputStream {
    final List<Integer> readBufferSizes = new ArrayList<>();
    private final ByteArrayBuffer waiting = new ByteArrayBuffer();
    private IoReadFutureImpl pending;
    private Buffer pendingInto;

    @Override
    public IoReadFuture read(Buffer buffer) {
      IoReadFutureImpl read = new IoReadFutureImpl(this, buffer);
      synchronized (this) {
        if (pending != null) {
          throw new ReadPendingException("a read is pending");
        }
        readBufferSizes.add(buffer.capacity());
        if (waiting.available() == 0) {
          pending = read;
          pendingInto = buffer;
          return read;
        }
      }
      read.setValue(take(buffer));
      return read;
    }

    void arrive(byte[] data) {
      IoReadFutureImpl read;
      Buffer into;
      synchronized (this) {
        waiting.putRawBytes(data);
        read = pending;
        into = pendingInto;
        pending = null;
      }
      if (read != null) {
        read.setValue(take(into));
      }
    }

    void end() {
      IoReadFutureImpl read;
      synchronized (this) {
        read = pending;
        pending = null;
      }
      read.setValue(new EOFException("closed"));
    }

    private synchronized int take(Buffer into) {
      int n = into.putBuffer(waiting, false);
      waiting.compact();
      return n;
    }
  }

  /** Like MINA's channel output: a second write while one is in flight is refused. */
  static final class Outgoing extends AbstractCloseable implements IoOutputStream {
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    final boolean completeAtOnce;
    IoWriteFutureImpl inFlight;

    Outgoing(boolean completeAtOnce) {
      this.completeAtOnce = completeAtOnce;
    }

    @Override
    public synchronized IoWriteFuture writeBuffer(Buffer buffer) {
      if (inFlight != null) {
        throw new WritePendingException("a write is pending");
      }
      received.write(buffer.array(), buffer.rpos(), buffer.available());
      buffer.rpos(buffer.wpos());
      IoWriteFutureImpl write = new IoWriteFutureImpl(this, buffer);
      if (completeAtOnce) {
        write.setValue(Boolean.TRUE);
      } else {
        inFlight = write;
      }
      return write;
    }

    void completeWrite() {
      IoWriteFutureImpl done;
      synchronized (this) {
        done = inFlight;
        inFlight = null;
      }
      done.setValue(Boolean.TRUE);
    }
  }

  private final Incoming from = new Incoming();
  private final AtomicReference<Throwable> endedWith = new AtomicReference<>();

  private ChannelPump pump(Outgoing to) {
    ChannelPump pump = new ChannelPump("test", from, to, null, endedWith::set);
    pump.start();
    return pump;
  }

  private static byte[] bulk(int size) {
    byte[] data = new byte[size];
    for (int i = 0; i < size; i++) {
      data[i] = (byte) (i * 31 + i / 251);
    }
    return data;
  }

  @Test
  void aQuietSessionWaitsWithOnlyTheSmallBuffer() {
    Outgoing to = new Outgoing(true);
    ChannelPump pump = pump(to);

    assertEquals(ChannelPump.PROBE_SIZE, pump.bufferBytes());
    for (String keystroke : List.of("l", "s", "\r")) {
      from.arrive(keystroke.getBytes(StandardCharsets.UTF_8));
    }
    from.arrive("total 0\r\n$ ".getBytes(StandardCharsets.UTF_8));

    assertEquals("ls\rtotal 0\r\n$ ", to.received.toString(StandardCharsets.UTF_8));
    assertEquals(ChannelPump.PROBE_SIZE, pump.bufferBytes());
    assertTrue(from.readBufferSizes.stream().allMatch(size -> size == ChannelPump.PROBE_SIZE));
  }

  @Test
  void bulkOutputGrowsTheBufferToFullSizeAndArrivesIntactAndInOrder() {
    Outgoing to = new Outgoing(true);
    ChannelPump pump = pump(to);
    byte[] data = bulk(3 * ChannelPump.BUFFER_SIZE + 12345);

    from.arrive(data);

    assertArrayEquals(data, to.received.toByteArray());
    assertEquals(data.length, pump.bytes());
    List<Integer> sizes = from.readBufferSizes;
    for (int i = 1; i < sizes.size() - 1; i++) {
      int expected = Math.min(2 * sizes.get(i - 1), ChannelPump.BUFFER_SIZE);
      assertEquals(expected, sizes.get(i), "read " + i + " of " + sizes);
    }
    assertTrue(sizes.contains(ChannelPump.BUFFER_SIZE), sizes.toString());
    // Drained: waiting for more with the small buffer again.
    assertEquals(ChannelPump.PROBE_SIZE, sizes.get(sizes.size() - 1));
    assertEquals(ChannelPump.PROBE_SIZE, pump.bufferBytes());
  }

  @Test
  void aBurstAfterAQuietSpellIsForwardedWhole() {
    Outgoing to = new Outgoing(true);
    pump(to);
    byte[] first = bulk(ChannelPump.BUFFER_SIZE + 1);
    byte[] second = bulk(70_000);

    from.arrive(first);
    from.arrive(second);

    ByteArrayOutputStream both = new ByteArrayOutputStream();
    both.write(first, 0, first.length);
    both.write(second, 0, second.length);
    assertArrayEquals(both.toByteArray(), to.received.toByteArray());
  }

  @Test
  void readsAgainOnlyAfterTheWriteCompleted() {
    Outgoing to = new Outgoing(false);
    ChannelPump pump = pump(to);
    byte[] data = bulk(ChannelPump.BUFFER_SIZE * 2);

    from.arrive(data);
    int writes = 0;
    while (to.inFlight != null) {
      assertEquals(writes + 1, from.readBufferSizes.size(), "read while a write was in flight");
      to.completeWrite();
      writes++;
    }

    assertArrayEquals(data, to.received.toByteArray());
    assertFalse(pump.ended(), "the pump stopped: " + endedWith.get());
  }

  @Test
  void endOfStreamEndsThePumpOnce() {
    Outgoing to = new Outgoing(true);
    ChannelPump pump = pump(to);
    from.arrive("bye".getBytes(StandardCharsets.UTF_8));

    from.end();

    assertTrue(pump.ended());
    assertNull(endedWith.get());
    assertNotNull(to.received);
    assertEquals("bye", to.received.toString(StandardCharsets.UTF_8));
  }
}
