package dev.bastion.web;

import java.time.Instant;

/**
 * A session as the web viewer shows it. {@code recordingRemovedAt}: when {@code
 * recording.retention} removed its recording (null while it is kept); {@code recordingFormat} is
 * how its recording is stored ({@code asciicast-v2} or {@code asciicast-v2+zstd}), null without
 * one; {@code node} is the node that runs or ran it (null for sessions from before nodes were
 * recorded).
 */
public record SessionView(
    String id,
    String identity,
    String target,
    String login,
    String kind,
    String command,
    Instant startedAt,
    Instant endedAt,
    String state,
    Integer exitStatus,
    String endReason,
    boolean recorded,
    int viewers,
    Approval approval,
    Instant recordingRemovedAt,
    String recordingFormat,
    String node) {

  /** Four-eyes state of a session that needs approvers; null for other sessions. */
  public record Approval(
      String state,
      int needed,
      java.util.List<String> from,
      java.util.List<String> approvers,
      java.time.Instant since) {}
}
