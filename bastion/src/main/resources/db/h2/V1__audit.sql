-- Every security-relevant thing that happened, in order: logins accepted and refused,
-- sessions refused, started and ended, revocations. One row each, never updated.
CREATE TABLE events (
  id             BIGINT AUTO_INCREMENT PRIMARY KEY,
  at             TIMESTAMP(3) WITH TIME ZONE NOT NULL,
  kind           VARCHAR(64)   NOT NULL,
  identity       VARCHAR(1024),
  serial         VARCHAR(32),
  source_address VARCHAR(64),
  session_id     VARCHAR(64),
  target         VARCHAR(255),
  login          VARCHAR(64),
  code           VARCHAR(64),
  detail         VARCHAR(8192)
);
CREATE INDEX events_at ON events(at);
CREATE INDEX events_identity ON events(identity);

-- One row per session channel (shell, exec, sftp, bastion command), updated when it ends.
CREATE TABLE sessions (
  id             VARCHAR(64)   PRIMARY KEY,
  identity       VARCHAR(1024) NOT NULL,
  roles          VARCHAR(4096),
  target         VARCHAR(255),
  login          VARCHAR(64),
  kind           VARCHAR(16)   NOT NULL,
  command        VARCHAR(8192),
  source_address VARCHAR(64),
  started_at     TIMESTAMP(3) WITH TIME ZONE NOT NULL,
  ended_at       TIMESTAMP(3) WITH TIME ZONE,
  state          VARCHAR(16)   NOT NULL,
  exit_status    INT,
  exit_signal    VARCHAR(32),
  bytes_in       BIGINT NOT NULL DEFAULT 0,
  bytes_out      BIGINT NOT NULL DEFAULT 0,
  end_reason     VARCHAR(4096)
);
CREATE INDEX sessions_started ON sessions(started_at);
CREATE INDEX sessions_state ON sessions(state);
