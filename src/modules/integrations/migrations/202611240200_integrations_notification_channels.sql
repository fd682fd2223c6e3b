-- Notification channels (ADR 0016): where alerts of other modules (budgets first) go. An
-- e-mail channel lists recipients; a Slack-compatible channel holds an incoming-webhook URL,
-- which is a bearer secret (the path is the credential), so it is sealed and only its host
-- is kept in clear for display.
CREATE TABLE notification_channels (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('email', 'slack')),
  recipients jsonb NOT NULL DEFAULT '[]',
  webhook_url_sealed jsonb,
  webhook_host text,
  enabled boolean NOT NULL DEFAULT true,
  version int NOT NULL DEFAULT 1,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  CHECK ((kind = 'slack') = (webhook_url_sealed IS NOT NULL))
);
CREATE UNIQUE INDEX notification_channels_org_name_idx ON notification_channels (org_id, lower(name));

-- One row per (channel, dedup key): the unique key is what makes "one alert, one message":
-- a caller that asks twice with the same key (a budget evaluated every hour) queues nothing
-- the second time. The outbox carries only the send id; the worker reads the message here.
CREATE TABLE notification_sends (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  channel_id text NOT NULL,
  dedup_key text NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,
  fields jsonb NOT NULL DEFAULT '[]',
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
  attempts int NOT NULL DEFAULT 0,
  last_error text,
  sent_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, channel_id) REFERENCES notification_channels (org_id, id) ON DELETE CASCADE,
  UNIQUE (org_id, channel_id, dedup_key)
);
CREATE INDEX notification_sends_channel_idx ON notification_sends (channel_id, id);
