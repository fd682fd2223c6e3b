-- Which event sits at which position of its organization's tree. seq lived on audit_events
-- before; writing it there cost a full (non-HOT) row update per event.
CREATE TABLE audit_leaves (
  org_id text NOT NULL,
  seq bigint NOT NULL CHECK (seq >= 1),
  event_id text NOT NULL,
  PRIMARY KEY (org_id, seq),
  UNIQUE (org_id, event_id)
);
INSERT INTO audit_leaves (org_id, seq, event_id) SELECT org_id, seq, id FROM audit_events WHERE seq IS NOT NULL;
CREATE TRIGGER audit_leaves_append_only BEFORE UPDATE OR DELETE ON audit_leaves
  FOR EACH ROW EXECUTE FUNCTION audit_sealing_refuse_change();
CREATE TRIGGER audit_leaves_no_truncate BEFORE TRUNCATE ON audit_leaves
  FOR EACH STATEMENT EXECUTE FUNCTION audit_sealing_refuse_change();
