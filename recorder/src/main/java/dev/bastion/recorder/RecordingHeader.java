package dev.bastion.recorder;

import java.time.Instant;

/** What the first line of an asciicast v2 file says about the session. */
public record RecordingHeader(
    int width, int height, Instant timestamp, String term, String title, String command) {}
