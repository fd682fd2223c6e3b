-- The sealer's work queue: the events of each organization that have no seq yet. A partial
-- index stays as small as the backlog, so finding it never scans the sealed history.
CREATE INDEX audit_events_unsealed_idx ON audit_events (org_id, id) WHERE seq IS NULL;
