package dev.bastion.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.common.channel.IoWriteFutureImpl;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.io.WritePendingException;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;
import org.junit.jupiter.api.Test;

class SerialOutputTest {
  /** Like MINA's channel stream: a second write while one is in flight is refused. */
  static final class OneAtATime extends AbstractCloseable implements IoOutputStream {
    final List<String> written = new ArrayList<>();
    IoWriteFutureImpl inFlight;

    @Override
    public IoWriteFuture writeBuffer(Buffer buffer) {
      if (inFlight != null) {
        throw new WritePendingException("a write is pending");
      }
      written.add(
          new String(buffer.array(), buffer.rpos(), buffer.available(), StandardCharsets.UTF_8));
      inFlight = new IoWriteFutureImpl(this, buffer);
      return inFlight;
    }

    void completeWrite() {
      IoWriteFutureImpl done = inFlight;
      inFlight = null;
      done.setValue(Boolean.TRUE);
    }
  }

  static Buffer text(String s) {
    return new ByteArrayBuffer(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aBastionLineWrittenWhileTheTargetsStderrIsInFlightWaitsItsTurnInsteadOfBreakingThePump()
      throws Exception {
    OneAtATime channel = new OneAtATime();
    SerialOutput err = new SerialOutput(channel);
    IoWriteFuture pump = err.writeBuffer(text("target stderr chunk"));
    IoWriteFuture line = err.writeBuffer(text("bastion: paused\n"));
    assertEquals(List.of("target stderr chunk"), channel.written);
    assertFalse(line.isDone());

    channel.completeWrite();
    assertTrue(pump.isWritten());
    assertEquals(List.of("target stderr chunk", "bastion: paused\n"), channel.written);
    IoWriteFuture next = err.writeBuffer(text("more stderr"));
    channel.completeWrite();
    assertTrue(line.isWritten());
    channel.completeWrite();
    assertTrue(next.isWritten());
    assertEquals(
        List.of("target stderr chunk", "bastion: paused\n", "more stderr"), channel.written);
  }

  @Test
  void theQueueIsBounded() throws Exception {
    SerialOutput err = new SerialOutput(new OneAtATime());
    err.writeBuffer(text("in flight"));
    for (int i = 0; i < SerialOutput.MAX_QUEUED; i++) {
      err.writeBuffer(text("line " + i));
    }
    assertThrows(IOException.class, () -> err.writeBuffer(text("one too many")));
  }
}
