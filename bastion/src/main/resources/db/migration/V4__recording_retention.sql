-- Recordings removed by recording.retention. recording_removed_at is the time of the session's
-- recording_removed event, written before the files are deleted (so no recording is ever gone
-- without its row); recording_removal_pending stays true until the files are gone, and the next
-- run finishes what a crash or a failed delete left.
ALTER TABLE sessions ADD COLUMN recording_removed_at TIMESTAMP(3) WITH TIME ZONE;
ALTER TABLE sessions ADD COLUMN recording_removal_pending BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX sessions_retention ON sessions(recording_removed_at, ended_at);
CREATE INDEX sessions_removal_pending ON sessions(recording_removal_pending);
