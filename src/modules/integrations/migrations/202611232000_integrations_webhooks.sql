-- Outbound webhooks: endpoints an organization subscribes to event types, and the delivery
-- log. Events come from the sealed audit log; `cursor_seq` is the last audit seq of the org
-- this endpoint has looked at. Secrets are sealed (envelope encryption: kernel/crypto.ts).
CREATE TABLE webhook_endpoints (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  url text NOT NULL,
  event_types jsonb NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  disabled_reason text,
  secret_sealed jsonb NOT NULL,
  previous_secret_sealed jsonb,
  previous_secret_expires_at timestamptz,
  rotated_at timestamptz,
  cursor_seq bigint NOT NULL DEFAULT 0,
  consecutive_failures int NOT NULL DEFAULT 0,
  version int NOT NULL DEFAULT 1,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id)
);
CREATE UNIQUE INDEX webhook_endpoints_org_name_idx ON webhook_endpoints (org_id, lower(name));
CREATE INDEX webhook_endpoints_enabled_idx ON webhook_endpoints (org_id) WHERE enabled;

-- One row per (endpoint, event): the unique key makes fan-out idempotent, so a receiver
-- gets each event once per endpoint (plus retries of that one delivery).
CREATE TABLE webhook_deliveries (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  endpoint_id text NOT NULL,
  event_id text NOT NULL,
  event_type text NOT NULL,
  payload text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_status_code int,
  last_error text,
  latency_ms int,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, endpoint_id) REFERENCES webhook_endpoints (org_id, id) ON DELETE CASCADE,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id);

CREATE TABLE webhook_delivery_attempts (
  id bigserial PRIMARY KEY,
  delivery_id text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempted_at timestamptz NOT NULL DEFAULT now(),
  url text NOT NULL,
  status_code int,
  error text,
  duration_ms int NOT NULL,
  response_body text
);
CREATE INDEX webhook_delivery_attempts_delivery_idx ON webhook_delivery_attempts (delivery_id, id);
