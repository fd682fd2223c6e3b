-- seq now lives in audit_leaves (the audit module's), so audit_events refuses every change:
-- the trigger loses its one exception and the sealer's partial index goes.
DROP INDEX IF EXISTS audit_events_unsealed_idx;

CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

ALTER TABLE audit_events DROP COLUMN seq;
