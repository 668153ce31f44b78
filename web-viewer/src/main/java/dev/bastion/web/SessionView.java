package dev.bastion.web;

import java.time.Instant;

/** A session as the web viewer shows it. */
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
    int viewers) {}
