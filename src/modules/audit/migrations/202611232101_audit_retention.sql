-- Retention and legal hold (ADR 0009).

-- Retention settings per organization; an organization without a row has the defaults.
CREATE TABLE retention_settings (
  org_id text PRIMARY KEY,
  audit_days int NOT NULL CHECK (audit_days >= 1),
  access_log_days int NOT NULL CHECK (access_log_days >= 1),
  version int NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL
);

-- Per-workspace overrides; a null keeps the organization's value.
CREATE TABLE retention_workspace_settings (
  org_id text NOT NULL REFERENCES retention_settings (org_id),
  workspace_id text NOT NULL,
  audit_days int CHECK (audit_days >= 1),
  access_log_days int CHECK (access_log_days >= 1),
  PRIMARY KEY (org_id, workspace_id)
);

-- Legal holds stop all deletion in their scope. They are never deleted, only released.
CREATE TABLE legal_holds (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  name text NOT NULL,
  reason text NOT NULL,
  scope_type text NOT NULL CHECK (scope_type IN ('organization', 'workspace')),
  scope_id text NOT NULL,
  until timestamptz,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  released_at timestamptz,
  released_by text,
  release_reason text,
  version int NOT NULL DEFAULT 1
);
CREATE INDEX legal_holds_org_idx ON legal_holds (org_id, id DESC);

CREATE FUNCTION legal_holds_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.released_at IS NULL AND NEW.released_at IS NOT NULL
     AND (NEW.id, NEW.org_id, NEW.name, NEW.reason, NEW.scope_type, NEW.scope_id, NEW.until, NEW.created_at, NEW.created_by)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.org_id, OLD.name, OLD.reason, OLD.scope_type, OLD.scope_id, OLD.until, OLD.created_at, OLD.created_by) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'legal_holds: % refused (holds are only ever released)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER legal_holds_guard BEFORE UPDATE OR DELETE ON legal_holds
  FOR EACH ROW EXECUTE FUNCTION legal_holds_guard();
CREATE TRIGGER legal_holds_no_truncate BEFORE TRUNCATE ON legal_holds
  FOR EACH STATEMENT EXECUTE FUNCTION legal_holds_guard();

-- One row per retention run (worker or `hexaplane retention run`).
CREATE TABLE retention_runs (
  id text PRIMARY KEY,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  dry_run boolean NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  summary jsonb,
  error text
);
CREATE INDEX retention_runs_started_idx ON retention_runs (started_at DESC);

-- What a run did in one organization.
CREATE TABLE retention_run_orgs (
  run_id text NOT NULL REFERENCES retention_runs (id),
  org_id text NOT NULL,
  audit_purged bigint NOT NULL,
  audit_ranges jsonb NOT NULL,
  audit_before timestamptz,
  access_log_deleted bigint NOT NULL,
  held_by text[] NOT NULL DEFAULT '{}',
  event_id text,
  PRIMARY KEY (run_id, org_id)
);
CREATE INDEX retention_run_orgs_org_idx ON retention_run_orgs (org_id, run_id DESC);

-- Every audit event retention removed: what, from which position of the tree, by which run.
-- Kept forever with the tree's leaf hashes and checkpoints, so a deletion stays provable and
-- a deletion that no run recorded stands out. Only sealed events can be listed (the foreign
-- key to audit_leaves), and `xact` names the transaction that listed the event: the only one
-- that may delete it (see audit_events_append_only below).
CREATE TABLE audit_purged (
  org_id text NOT NULL,
  seq bigint NOT NULL,
  event_id text NOT NULL,
  run_id text NOT NULL REFERENCES retention_runs (id),
  purged_at timestamptz NOT NULL,
  xact xid8 NOT NULL DEFAULT pg_current_xact_id(),
  PRIMARY KEY (org_id, seq),
  UNIQUE (org_id, event_id),
  FOREIGN KEY (org_id, event_id) REFERENCES audit_leaves (org_id, event_id)
);
CREATE TRIGGER audit_purged_append_only BEFORE UPDATE OR DELETE ON audit_purged
  FOR EACH ROW EXECUTE FUNCTION audit_sealing_refuse_change();
CREATE TRIGGER audit_purged_no_truncate BEFORE TRUNCATE ON audit_purged
  FOR EACH STATEMENT EXECUTE FUNCTION audit_sealing_refuse_change();

-- The one escape from the kernel's append-only audit_events, for retention only: a DELETE of
-- an event passes when the transaction names a retention run (SET LOCAL
-- hexaplane.retention_run) and listed that very event in audit_purged itself, under that run.
-- So no event leaves without its record, only sealed events can leave, and a record written
-- by another transaction (or a replayed one) opens nothing. UPDATE and TRUNCATE stay refused.
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  run text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    run := current_setting('hexaplane.retention_run', true);
    IF run IS NOT NULL AND run <> '' AND EXISTS (
      SELECT 1 FROM audit_purged p
      WHERE p.org_id = OLD.org_id AND p.event_id = OLD.id AND p.run_id = run AND p.xact = pg_current_xact_id()
    ) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
