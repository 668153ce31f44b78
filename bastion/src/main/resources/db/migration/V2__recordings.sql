-- Where each session's recording is, and its sealed size and digest (checked by 'recordings verify').
ALTER TABLE sessions ADD COLUMN recording_path VARCHAR(1024);
ALTER TABLE sessions ADD COLUMN recording_size BIGINT;
ALTER TABLE sessions ADD COLUMN recording_sha256 VARCHAR(64);
