package dev.bastion.proxy;

import dev.bastion.sftp.SftpAuditor;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.io.IoInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pumps of one session: the target's stdout and stderr to the engineer, the engineer's input to
 * the target. It reports once, when the target's streams have ended and its channel closed, so that
 * everything the target said reached the engineer before the session ends. Set up by the session's
 * event executor; the pumps themselves run on MINA's I/O threads.
 */
final class SessionStreams {
  private static final Logger LOG = LoggerFactory.getLogger(SessionStreams.class);

  private final String id;
  private final ClientChannel client;
  private final IoInputStream clientIn;
  private final AtomicInteger pendingEnds = new AtomicInteger();
  private ChannelPump input;
  private ChannelPump output;
  private ChannelPump errors;
  private volatile Runnable targetDone;

  SessionStreams(String id, ClientChannel client, IoInputStream clientIn) {
    this.id = id;
    this.client = client;
    this.clientIn = clientIn;
  }

  /**
   * A four-eyes session with a terminal reads keystrokes before the target is reached, so that
   * Ctrl-C cancels the request; the gate drops them until then.
   */
  void readEarly(GatedInput gated) {
    input = gatedPump(gated);
    input.start();
  }

  /**
   * Starts moving bytes; {@code targetDone} runs once, on an I/O thread, after the target's output
   * ended and its channel closed.
   *
   * @param gated the four-eyes gate on the engineer's input, or null
   */
  void connect(
      TargetChannel target,
      ChannelPump.Tap outTap,
      ChannelPump.Tap errTap,
      ChannelPump.Tap inTap,
      GatedInput gated,
      Runnable targetDone) {
    this.targetDone = targetDone;
    boolean hasErr = target.err() != null;
    pendingEnds.set(hasErr ? 3 : 2);
    output = new ChannelPump("out " + id, target.out(), client.out(), outTap, this::streamEnded);
    errors =
        hasErr
            ? new ChannelPump("err " + id, target.err(), client.err(), errTap, this::streamEnded)
            : null;
    boolean inputRuns = input != null;
    if (gated != null) {
      gated.connect(target.in());
      if (!inputRuns) {
        input = gatedPump(gated);
      }
    } else {
      // At the engineer's EOF (or when they leave), EOF goes on once pending input is written.
      input =
          new ChannelPump(
              "in " + id, clientIn, target.in(), inTap, failure -> target.in().close(false));
    }
    target.whenClosed(() -> streamEnded(null));
    output.start();
    if (errors != null) {
      errors.start();
    }
    if (!inputRuns) {
      input.start();
    }
  }

  private ChannelPump gatedPump(GatedInput gated) {
    return new ChannelPump("in " + id, clientIn, gated, gated, failure -> gated.close(false));
  }

  private void streamEnded(Throwable failure) {
    if (failure != null) {
      LOG.debug("session {} stream ended: {}", id, failure.toString());
    }
    if (pendingEnds.decrementAndGet() == 0) {
      targetDone.run();
    }
  }

  /** What the pumps of an sftp session feed: its parser audits file operations, keeps no data. */
  static ChannelPump.Tap sftp(SftpAuditor auditor, boolean fromClient) {
    return (data, offset, length) -> {
      if (fromClient) {
        auditor.fromClient(data, offset, length);
      } else {
        auditor.fromTarget(data, offset, length);
      }
    };
  }

  /** Bytes the engineer sent so far. */
  long bytesIn() {
    return input == null ? 0 : input.bytes();
  }

  /** Bytes the target sent so far, both streams. */
  long bytesOut() {
    return (output == null ? 0 : output.bytes()) + (errors == null ? 0 : errors.bytes());
  }
}
