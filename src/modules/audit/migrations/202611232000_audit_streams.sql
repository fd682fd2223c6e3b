-- SIEM streams (ADR 0007): each stream reads one organization's sealed audit log from its own
-- cursor (the last seq it delivered) and delivers to one destination. Credentials are sealed
-- (envelope encryption, kernel/crypto.ts; AAD = stream id) and never leave the server.
CREATE TABLE audit_streams (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('splunk-hec', 'datadog', 'syslog', 'https', 'ocsf-file')),
  destination jsonb NOT NULL,
  secrets_sealed jsonb,
  filters jsonb NOT NULL,
  batch_max_events int NOT NULL CHECK (batch_max_events BETWEEN 1 AND 10000),
  batch_max_wait_ms int NOT NULL CHECK (batch_max_wait_ms BETWEEN 0 AND 60000),
  max_attempts int NOT NULL CHECK (max_attempts BETWEEN 1 AND 1000),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'dead_letter')),
  cursor bigint NOT NULL DEFAULT 0 CHECK (cursor >= 0),
  delivered_count bigint NOT NULL DEFAULT 0,
  failure_count bigint NOT NULL DEFAULT 0,
  consecutive_failures int NOT NULL DEFAULT 0,
  last_delivered_at timestamptz,
  last_error text,
  last_error_at timestamptz,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- A worker's claim on the stream: one worker delivers a stream at a time, across replicas.
  lease_owner text,
  lease_until timestamptz,
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX audit_streams_org_name_idx ON audit_streams (org_id, lower(name));
CREATE INDEX audit_streams_due_idx ON audit_streams (next_attempt_at) WHERE status = 'active';
