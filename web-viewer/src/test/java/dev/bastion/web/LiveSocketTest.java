package dev.bastion.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Handler;
import io.vertx.core.http.ServerWebSocket;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The WebSocket's side of the drain handshake with the live hub. */
class LiveSocketTest {
  /** A WebSocket whose write queue is full or not as the test says; it remembers its handler. */
  static final class FakeSocket {
    boolean full;
    Handler<Void> drainHandler;

    ServerWebSocket socket() {
      return (ServerWebSocket)
          Proxy.newProxyInstance(
              ServerWebSocket.class.getClassLoader(),
              new Class<?>[] {ServerWebSocket.class},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "writeQueueFull" -> full;
                    case "drainHandler" -> {
                      @SuppressWarnings("unchecked")
                      Handler<Void> handler = (Handler<Void>) args[0];
                      drainHandler = handler;
                      yield proxy;
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                  });
    }
  }

  @Test
  void aSocketThatDrainedBeforeTheHubAskedSaysSoAtOnce() {
    FakeSocket fake = new FakeSocket();
    AtomicInteger ready = new AtomicInteger();
    new LiveSocket(fake.socket()).onDrain(ready::incrementAndGet);
    assertEquals(1, ready.get());
  }

  @Test
  void aFullSocketSaysSoOnceWhenItDrains() {
    FakeSocket fake = new FakeSocket();
    fake.full = true;
    AtomicInteger ready = new AtomicInteger();
    new LiveSocket(fake.socket()).onDrain(ready::incrementAndGet);
    assertEquals(0, ready.get());
    Handler<Void> handler = fake.drainHandler;
    fake.full = false;
    handler.handle(null);
    handler.handle(null);
    assertEquals(1, ready.get());
  }
}
