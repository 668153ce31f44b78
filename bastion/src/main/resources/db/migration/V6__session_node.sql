-- The node (cluster.name, else the host's name) that runs each session: when a node dies, the
-- surviving nodes mark exactly its live sessions interrupted, and a node that starts leaves the
-- other nodes' sessions alone. NULL for sessions from before this column.
ALTER TABLE sessions ADD COLUMN node VARCHAR(255);
CREATE INDEX sessions_node_state ON sessions(node, state);
