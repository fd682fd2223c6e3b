-- The append-only trigger compared whole rows as JSON, which cost more than the sealer's own
-- UPDATE of seq (ADR 0006). It now compares the columns directly.
-- When a column is added to audit_events, add it to both lists below: a column missing here
-- could be changed by the sealer's one permitted UPDATE. test/api and the audit tests check
-- that every other write is refused.
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.seq IS NULL AND NEW.seq IS NOT NULL
       AND (NEW.id, NEW.org_id, NEW.workspace_id, NEW.occurred_at, NEW.actor_kind, NEW.actor_id,
            NEW.actor_name, NEW.actor_ip, NEW.actor_user_agent, NEW.session_id, NEW.api_key_id,
            NEW.action, NEW.target_type, NEW.target_id, NEW.target_name, NEW.outcome, NEW.reason,
            NEW.request_id, NEW.before, NEW.after)
       IS NOT DISTINCT FROM
           (OLD.id, OLD.org_id, OLD.workspace_id, OLD.occurred_at, OLD.actor_kind, OLD.actor_id,
            OLD.actor_name, OLD.actor_ip, OLD.actor_user_agent, OLD.session_id, OLD.api_key_id,
            OLD.action, OLD.target_type, OLD.target_id, OLD.target_name, OLD.outcome, OLD.reason,
            OLD.request_id, OLD.before, OLD.after) THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

-- Guard the lists above: fail this migration if audit_events has a column they do not name.
DO $$
DECLARE
  unexpected text;
BEGIN
  SELECT string_agg(column_name, ', ') INTO unexpected
  FROM information_schema.columns
  WHERE table_name = 'audit_events' AND table_schema = current_schema()
    AND column_name NOT IN ('id', 'org_id', 'workspace_id', 'occurred_at', 'actor_kind', 'actor_id',
      'actor_name', 'actor_ip', 'actor_user_agent', 'session_id', 'api_key_id', 'action',
      'target_type', 'target_id', 'target_name', 'outcome', 'reason', 'request_id', 'before',
      'after', 'seq');
  IF unexpected IS NOT NULL THEN
    RAISE EXCEPTION 'audit_events_append_only does not cover column(s) %', unexpected;
  END IF;
END $$;
