-- Repeated refusals (same source address and reason) are merged: the first is written at once,
-- the rest of a window as one row whose count says how many it stands for. Rows stay append-only.
ALTER TABLE events ADD COLUMN count BIGINT NOT NULL DEFAULT 1;
