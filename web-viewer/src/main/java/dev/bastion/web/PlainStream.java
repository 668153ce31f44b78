package dev.bastion.web;

import dev.bastion.recorder.RecordingFormat;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Sends the plain asciicast of a recording stored compressed, for clients that cannot take it as it
 * is: decoded on a worker thread a chunk at a time, the next chunk read only once the response has
 * room. Memory stays at a chunk and the write queue whatever the size of the recording, a slow
 * client holds no thread, and the event loop never waits on the disk or the decoder.
 */
final class PlainStream {
  static final int CHUNK = 64 * 1024;

  private final Vertx vertx;
  private final HttpServerResponse response;
  private final Path file;
  private InputStream in; // opened, read and closed on worker threads, one task at a time
  private boolean reading; // event loop only, as is closed
  private boolean closed;

  private PlainStream(Vertx vertx, HttpServerResponse response, Path file) {
    this.vertx = vertx;
    this.response = response;
    this.file = file;
  }

  /** Starts sending {@code file}'s plain text as the body of {@code response} (on its loop). */
  static void send(Vertx vertx, HttpServerResponse response, Path file) {
    PlainStream stream = new PlainStream(vertx, response, file);
    response.setChunked(true);
    response.closeHandler(v -> stream.clientGone());
    stream.next();
  }

  private void next() {
    reading = true;
    vertx.<Buffer>executeBlocking(this::read, false).onComplete(this::readDone);
  }

  /** Worker thread: the next chunk, or null at the end (the stream then closed). */
  private Buffer read() throws IOException {
    if (in == null) {
      in = RecordingFormat.openPlain(file);
    }
    byte[] chunk = new byte[CHUNK];
    int n = in.readNBytes(chunk, 0, CHUNK);
    if (n == 0) {
      in.close();
      in = null;
      return null;
    }
    return Buffer.buffer(n == CHUNK ? chunk : Arrays.copyOf(chunk, n));
  }

  private void readDone(AsyncResult<Buffer> result) {
    reading = false;
    if (closed) {
      closeInput();
    } else if (result.failed()) {
      closeInput();
      if (response.headWritten()) {
        response.reset(); // the client sees a cut body, never a clean end to a wrong one
      } else {
        response.setChunked(false);
        response.setStatusCode(500).putHeader("content-type", "application/json");
        response.end("{\"error\": \"the recording cannot be read\"}");
      }
    } else if (result.result() == null) {
      response.end();
    } else {
      response.write(result.result());
      if (response.writeQueueFull()) {
        response.drainHandler(
            v -> {
              response.drainHandler(null);
              next();
            });
      } else {
        next();
      }
    }
  }

  private void clientGone() {
    closed = true;
    if (!reading) {
      closeInput();
    }
  }

  private void closeInput() {
    if (in == null) {
      return;
    }
    InputStream toClose = in;
    in = null;
    vertx.executeBlocking(
        () -> {
          toClose.close();
          return null;
        },
        false);
  }
}
