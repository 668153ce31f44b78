package dev.bastion.proxy;

import dev.bastion.recorder.SessionRecording;
import dev.bastion.recording.SessionRecorder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's recording as its pumps and its owner use it: output of both streams, the engineer's
 * input when configured, resizes and markers. It holds a pump back while the recording's disk is
 * behind, and applies the recording mode: with {@code strict} a session that cannot be recorded
 * does not start, and one whose recording fails is ended (through {@code onFailure}, once); with
 * {@code best_effort} both go on unrecorded. Either way the problem is audited.
 */
final class RecordingTap {
  private static final Logger LOG = LoggerFactory.getLogger(RecordingTap.class);

  private final String id;
  private final SessionRecorder recorder;
  private final SessionAudit audit;
  private final Consumer<String> onFailure;
  private volatile SessionRecording recording;
  private final AtomicBoolean failed = new AtomicBoolean();

  /**
   * @param onFailure ends the session with the reason given (strict mode only)
   */
  RecordingTap(
      String id, SessionRecorder recorder, SessionAudit audit, Consumer<String> onFailure) {
    this.id = id;
    this.recorder = recorder;
    this.audit = audit;
    this.onFailure = onFailure;
  }

  /**
   * Takes the recording as created (before any pump starts); returns why the session may not start,
   * or null.
   *
   * @param watchedOn the target, when approvers must watch the session (they watch the recording);
   *     else null
   */
  String attach(SessionRecording created, Throwable failure, String watchedOn) {
    String problem = failure == null ? null : failure.getMessage();
    if (failure != null && recorder.strict()) {
      return "the session cannot be recorded ("
          + problem
          + "), so it may not start; tell the bastion's operators";
    }
    if (failure != null) {
      LOG.error("session {} runs unrecorded (best_effort): {}", id, problem);
      audit.recordingProblem(recorder.mode(), problem);
    }
    this.recording = created;
    if (watchedOn != null && created == null) {
      return "target "
          + watchedOn
          + " needs watching approvers, and the session cannot be recorded ("
          + problem
          + "), so nobody could watch it; tell the bastion's operators";
    }
    return null;
  }

  /** A tap for the target's stdout (0) or stderr (1); null when nothing is recorded. */
  ChannelPump.Tap output(int stream) {
    SessionRecording r = recording;
    return r == null ? null : tap(r, false, stream);
  }

  /** A tap for the engineer's keystrokes; null unless input is recorded. */
  ChannelPump.Tap input() {
    SessionRecording r = recording;
    return r == null || !recorder.recordsInput() ? null : tap(r, true, 0);
  }

  private ChannelPump.Tap tap(SessionRecording r, boolean input, int stream) {
    return new ChannelPump.Tap() {
      @Override
      public void chunk(byte[] data, int offset, int length) {
        if (failed.get()) {
          return;
        }
        if (input) {
          r.input(data, offset, length);
        } else {
          r.output(stream, data, offset, length);
        }
        check();
      }

      @Override
      public boolean ready() {
        if (r.failure() != null) {
          check(); // a failed recording holds nothing back: the session decides what follows
          return true;
        }
        return r.writable();
      }

      @Override
      public void whenReady(Runnable resume) {
        r.whenWritable(resume);
      }
    };
  }

  void marker(String text) {
    SessionRecording r = recording;
    if (r != null && !failed.get()) {
      r.marker(text);
    }
  }

  /** A session without a terminal: each run of binary is recorded as one line. */
  void binaryAsRuns() {
    SessionRecording r = recording;
    if (r != null) {
      r.binaryAsRuns();
    }
  }

  /** A line of the bastion's own where output would be (a file transfer's stands for its data). */
  void note(String line) {
    SessionRecording r = recording;
    if (r != null && !failed.get()) {
      byte[] text = line.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      r.output(0, text, 0, text.length);
    }
  }

  void resize(int columns, int rows) {
    SessionRecording r = recording;
    if (r != null && !failed.get()) {
      r.resize(columns, rows);
    }
  }

  /** Acts on a failed recording, once (also called once a second, for a session that is quiet). */
  void check() {
    SessionRecording r = recording;
    if (r == null || r.failure() == null || !failed.compareAndSet(false, true)) {
      return;
    }
    String problem = r.failure().getMessage();
    audit.recordingProblem(recorder.mode(), problem);
    if (recorder.strict()) {
      LOG.error("session {} ended: recording failed: {}", id, problem);
      onFailure.accept("the session recording cannot be written (" + problem + "); session ended");
    } else {
      LOG.error("session {} goes on unrecorded (best_effort): {}", id, problem);
    }
  }

  /**
   * Closes and seals the recording, if there is one. A failure only the last write or the seal
   * meets is audited too: it is the same lost recording.
   */
  void finish(String reason) {
    recorder
        .finish(recording, reason)
        .whenComplete(
            (seal, failure) -> {
              if (failure != null && failed.compareAndSet(false, true)) {
                Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                audit.recordingProblem(recorder.mode(), cause.getMessage());
              }
            });
  }
}
