package dev.bastion.recorder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One session's asciicast v2 recording. Events are encoded on the caller's thread into a reusable
 * buffer (escaping straight from bytes, no String per event); a {@link GroupCommit} thread hands
 * the buffer to the {@link RecordingFile} at least every 100 ms, which compresses (for a {@code
 * .cast.zst}), hashes and writes it there, so a killed process loses at most that much and leaves a
 * file that reads as valid asciicast up to the last line written. {@link #close} writes the rest,
 * fsyncs and returns the size and SHA-256 of the bytes on disk for the seal. Appending never blocks
 * on disk: when more than {@link #HIGH_WATER} bytes wait for the disk, {@link #writable()} turns
 * false so the producer can hold back (backpressure), and a failed write turns the recording
 * failed.
 */
public final class SessionRecording {
  /** Bytes that may wait for the disk before producers should pause. */
  public static final int HIGH_WATER = 8 * 1024 * 1024;

  /** Bytes after which the group commit is asked to write now rather than at its next tick. */
  static final int FLUSH_SOON = 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] O =
      ", \"o\", \"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] I =
      ", \"i\", \"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] R =
      ", \"r\", \"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] M =
      ", \"m\", \"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] END = "\"]\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final String sessionId;
  private final RecordingFile file;
  private final long startNanos;
  private final JsonUtf8.Stitch[] outputStitches = {new JsonUtf8.Stitch(), new JsonUtf8.Stitch()};
  private final JsonUtf8.Stitch inputStitch = new JsonUtf8.Stitch();
  // Null while binary output is recorded as it comes (sessions with a terminal).
  private BinaryRun[] outputRuns;
  private BinaryRun inputRun;
  private final LineListener listener;
  private volatile GroupCommit commit;
  private boolean flushRequested;

  // Small at first and grown by the output: an idle session's recording holds a few KiB.
  private ByteBuf pending = new ByteBuf(4 * 1024);
  private ByteBuf writing = new ByteBuf(4 * 1024);
  private final ByteBuf event = new ByteBuf(256);
  private final Object flushLock = new Object();
  private volatile RecordingFailedException failure;
  private volatile boolean closed;
  private Runnable onWritable;

  /**
   * Receives each encoded line (with its newline) in file order; must not block or keep the array.
   */
  public interface LineListener {
    void line(byte[] buffer, int offset, int length);
  }

  private SessionRecording(String sessionId, RecordingFile file, LineListener listener) {
    this.sessionId = sessionId;
    this.file = file;
    this.listener = listener;
    this.startNanos = System.nanoTime();
  }

  /**
   * Creates the file, in the format its name says ({@link RecordingFormat}), and writes the header
   * line to it at once. {@code listener} receives each encoded line (header first), in file order,
   * on the producing thread; it must not block.
   */
  public static SessionRecording create(
      String sessionId, Path file, RecordingHeader header, LineListener listener) {
    try {
      OwnerOnly.createDirectories(file.getParent());
      RecordingFile onDisk = RecordingFile.create(file, RecordingFormat.of(file));
      SessionRecording recording = new SessionRecording(sessionId, onDisk, listener);
      recording.writeHeader(header);
      if (recording.failure != null) {
        onDisk.close();
        throw recording.failure;
      }
      return recording;
    } catch (IOException e) {
      throw new RecordingFailedException(
          "cannot create recording " + file + ": " + e.getMessage(), e);
    }
  }

  private void writeHeader(RecordingHeader header) throws IOException {
    ObjectNode node = JSON.createObjectNode();
    node.put("version", 2);
    node.put("width", header.width());
    node.put("height", header.height());
    node.put("timestamp", header.timestamp().getEpochSecond());
    ObjectNode env = node.putObject("env");
    env.put("TERM", header.term() == null ? "" : header.term());
    env.put("SHELL", "");
    if (header.title() != null) {
      node.put("title", header.title());
    }
    if (header.command() != null) {
      node.put("command", header.command());
    }
    node.put("pty", header.pty());
    byte[] line =
        (JSON.writeValueAsString(node) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    synchronized (this) {
      pending.put(line);
      notifyListener(line, 0, line.length);
    }
    flush();
  }

  public String sessionId() {
    return sessionId;
  }

  public Path file() {
    return file.path();
  }

  /**
   * From now on (a session without a terminal) each run of binary output, or input, is recorded as
   * one line {@code [binary output: N bytes, sha256 H]}; text as it is. Call before any output.
   */
  public synchronized void binaryAsRuns() {
    outputRuns = new BinaryRun[] {new BinaryRun(), new BinaryRun()};
    inputRun = new BinaryRun();
  }

  /** Output the client was sent; {@code stream} 0 is stdout, 1 is stderr (stitched separately). */
  public void output(int stream, byte[] data, int offset, int length) {
    BinaryRun[] runs = outputRuns;
    if (runs == null) {
      append(O, outputStitches[stream], data, offset, length);
    } else {
      appendRuns(O, outputStitches[stream], runs[stream], data, offset, length);
    }
  }

  /** Keystrokes the client sent (only when input recording is on). */
  public void input(byte[] data, int offset, int length) {
    BinaryRun run = inputRun;
    if (run == null) {
      append(I, inputStitch, data, offset, length);
    } else {
      appendRuns(I, inputStitch, run, data, offset, length);
    }
  }

  /** Text as it is, each binary run as one line once it is over. */
  private synchronized void appendRuns(
      byte[] code, JsonUtf8.Stitch stitch, BinaryRun run, byte[] data, int offset, int length) {
    int end = offset + length;
    int i = offset;
    while (i < end && !closed) {
      if (run.active()) {
        i = run.scan(data, i, end);
        if (!run.active()) {
          endRun(code, stitch, run);
        }
        continue;
      }
      int stop = BinaryRun.textEnd(data, i, end);
      if (stop > i) {
        append(code, stitch, data, i, stop - i);
      }
      if (stop < end) {
        run.begin();
      }
      i = stop;
    }
  }

  private void endRun(byte[] code, JsonUtf8.Stitch stitch, BinaryRun run) {
    BinaryRun.Ending ending = run.end();
    if (ending.shortRun() != null) {
      append(code, stitch, ending.shortRun(), 0, ending.shortRun().length);
    }
    if (ending.line() != null) {
      append(code, new JsonUtf8.Stitch(), ending.line(), 0, ending.line().length);
    }
    if (ending.text().length > 0) {
      append(code, stitch, ending.text(), 0, ending.text().length);
    }
  }

  public void resize(int columns, int rows) {
    byte[] size = (columns + "x" + rows).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    append(R, new JsonUtf8.Stitch(), size, 0, size.length);
  }

  /** A marker for something around the session: a viewer joined, a termination and by whom. */
  public void marker(String label) {
    byte[] text = label.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    append(M, new JsonUtf8.Stitch(), text, 0, text.length);
  }

  private synchronized void append(
      byte[] code, JsonUtf8.Stitch stitch, byte[] data, int offset, int length) {
    if (closed) {
      return;
    }
    // Encoded straight into the pending buffer: no copy per event.
    int start = pending.size();
    pending.put((byte) '[');
    pending.putSeconds((System.nanoTime() - startNanos) / 1000);
    pending.put(code);
    int before = pending.size();
    JsonUtf8.escape(stitch, data, offset, length, pending);
    if (pending.size() == before && length > 0) {
      pending.truncate(
          start); // only an incomplete UTF-8 sequence so far; it goes out with the next chunk
      return;
    }
    pending.put(END);
    notifyListener(pending.array(), start, pending.size() - start);
    if (pending.size() >= FLUSH_SOON && !flushRequested && commit != null) {
      flushRequested = true;
      commit.flushSoon(this);
    }
  }

  private void notifyListener(byte[] line, int offset, int length) {
    if (listener != null) {
      listener.line(line, offset, length);
    }
  }

  void attach(GroupCommit groupCommit) {
    this.commit = groupCommit;
  }

  /**
   * False while too much waits for the disk; the producer should wait for {@link #whenWritable}.
   */
  public synchronized boolean writable() {
    return pending.size() < HIGH_WATER;
  }

  /** Runs {@code then} once the backlog is below the high-water mark (at once if it is). */
  public void whenWritable(Runnable then) {
    synchronized (this) {
      if (pending.size() >= HIGH_WATER && failure == null && !closed) {
        onWritable = then;
        return;
      }
    }
    then.run();
  }

  /** The failure that stopped this recording, if any. */
  public RecordingFailedException failure() {
    return failure;
  }

  /** Writes what is pending to the file (not fsynced); called by the group commit thread. */
  void flush() {
    synchronized (flushLock) {
      flushLocked();
    }
  }

  private void flushLocked() {
    ByteBuf batch;
    Runnable resume = null;
    boolean idle;
    synchronized (this) {
      idle = pending.size() == 0 && !closed;
    }
    if (failure != null) {
      return;
    }
    if (idle) {
      restIfIdle();
      return;
    }
    synchronized (this) {
      if (pending.size() == 0) {
        return;
      }
      batch = pending;
      pending = writing;
      writing = batch;
      flushRequested = false;
    }
    long started = System.nanoTime();
    try {
      file.write(batch.array(), 0, batch.size());
    } catch (IOException e) {
      failed("cannot be written", e);
    } finally {
      batch.clear();
    }
    if (commit != null) {
      commit.wrote(System.nanoTime() - started);
    }
    synchronized (this) {
      if (onWritable != null && (pending.size() < HIGH_WATER || failure != null)) {
        resume = onWritable;
        onWritable = null;
      }
    }
    if (resume != null) {
      resume.run();
    }
  }

  /** Ends the recording: pending UTF-8 is flushed, the file written and fsynced. */
  public Sealable close() {
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("recording " + sessionId + " already closed");
      }
      endRuns();
      for (JsonUtf8.Stitch stitch : outputStitches) {
        if (stitch.length > 0) {
          event.clear();
          event.put((byte) '[');
          event.putSeconds((System.nanoTime() - startNanos) / 1000);
          event.put(O);
          JsonUtf8.finish(stitch, event);
          event.put(END);
          pending.put(event.array(), 0, event.size());
        }
      }
      closed = true;
    }
    flush();
    Runnable resume;
    synchronized (this) {
      resume = onWritable;
      onWritable = null;
    }
    if (resume != null) {
      resume.run();
    }
    synchronized (flushLock) {
      try {
        file.close();
      } catch (IOException e) {
        if (failure == null) {
          failed("cannot be synced", e);
        }
      }
    }
    return new Sealable(sessionId, file.path(), file.size(), file.sha256());
  }

  /** As if idle for long: ends the frame and frees the context now (for measurements). */
  void restForTest() throws IOException {
    synchronized (flushLock) {
      file.restIfIdle(System.nanoTime() + RecordingFile.IDLE_NANOS);
    }
  }

  /** Called with the flush lock held and nothing pending: an idle recording frees its context. */
  private void restIfIdle() {
    try {
      file.restIfIdle(System.nanoTime());
    } catch (IOException e) {
      failed("cannot be written", e);
    }
  }

  private void failed(String what, IOException e) {
    failure =
        new RecordingFailedException(
            "recording " + file.path().getFileName() + " " + what + ": " + e.getMessage(), e);
  }

  /** Binary runs still going when the session ends are written as ended there. */
  private void endRuns() {
    if (outputRuns != null) {
      for (int stream = 0; stream < outputRuns.length; stream++) {
        if (outputRuns[stream].active()) {
          endRun(O, outputStitches[stream], outputRuns[stream]);
        }
      }
      if (inputRun.active()) {
        endRun(I, inputStitch, inputRun);
      }
    }
  }

  /** A closed recording's identity, size and digest, ready to be sealed. */
  public record Sealable(String sessionId, Path file, long size, String sha256) {}
}
