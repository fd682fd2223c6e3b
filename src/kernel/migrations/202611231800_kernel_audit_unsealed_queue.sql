-- The sealer's work queue (ADR 0006, addendum): the audit writer adds (org, event) here in the
-- same statement as the event, and the sealer removes what it seals. audit_events itself then
-- never changes after insert.
CREATE TABLE audit_unsealed (
  org_id text NOT NULL,
  event_id text NOT NULL,
  PRIMARY KEY (org_id, event_id)
);
INSERT INTO audit_unsealed (org_id, event_id) SELECT org_id, id FROM audit_events WHERE seq IS NULL;
