-- The audit log: append-only, partitioned by month so retention drops whole partitions.
CREATE TABLE audit_events (
  id text NOT NULL,
  org_id text NOT NULL,
  workspace_id text,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor_kind text NOT NULL,
  actor_id text NOT NULL,
  actor_name text,
  actor_ip text,
  actor_user_agent text,
  session_id text,
  api_key_id text,
  action text NOT NULL,
  target_type text NOT NULL,
  target_id text,
  target_name text,
  outcome text NOT NULL CHECK (outcome IN ('success', 'denied', 'failed')),
  reason text,
  request_id text,
  before jsonb,
  after jsonb,
  -- Assigned by the sealer (a later slice); the only column that may ever change, once.
  seq bigint,
  PRIMARY KEY (occurred_at, id)
) PARTITION BY RANGE (occurred_at);

CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT;
CREATE INDEX audit_events_org_id_idx ON audit_events (org_id, id DESC);
CREATE INDEX audit_events_org_action_idx ON audit_events (org_id, action, id DESC);
CREATE INDEX audit_events_org_target_idx ON audit_events (org_id, target_id, id DESC);

-- Creates the monthly partitions from `from_month` for `months` months; idempotent.
CREATE FUNCTION ensure_audit_partitions(from_month date, months int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  start_at date;
  part text;
BEGIN
  FOR i IN 0..months - 1 LOOP
    start_at := (date_trunc('month', from_month) + make_interval(months => i))::date;
    part := format('audit_events_%s', to_char(start_at, 'YYYYMM'));
    IF to_regclass(part) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
        part, start_at, (start_at + interval '1 month')::date);
    END IF;
  END LOOP;
END $$;

SELECT ensure_audit_partitions((now() - interval '1 month')::date, 4);

CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.seq IS NULL AND NEW.seq IS NOT NULL AND (to_jsonb(NEW) - 'seq') = (to_jsonb(OLD) - 'seq') THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_events_append_only
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- Side effects leave through the outbox in the same transaction as the change.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  org_id text,
  topic text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
  attempts int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at) WHERE status = 'pending';

CREATE TABLE idempotency_keys (
  principal_id text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  status text NOT NULL CHECK (status IN ('in_progress', 'done')),
  response_status int,
  response_body text,
  response_headers jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal_id, key)
);
