-- Revocations every node of a fleet shares (with database.url; one node on the embedded database
-- keeps <data-dir>/revoked instead, and this table stays empty). One row per revoked serial or
-- identity; rows are only added. value_digest is the SHA-256 (hex) of kind and value, so that an
-- identity of any length has one row, and two nodes revoking the same one at once make one row.
CREATE TABLE revocations (
  value_digest  VARCHAR(64)    PRIMARY KEY,
  kind          VARCHAR(16)    NOT NULL,
  revoked_value VARCHAR(65536) NOT NULL,
  revoked_at    TIMESTAMP(3) WITH TIME ZONE NOT NULL
);
