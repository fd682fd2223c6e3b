-- Scheduled cost allocation reports (issue 5, item 6; docs/cost.md "Reports"): the previous
-- month's report is e-mailed on a day of the month, in the organization's time zone.
CREATE TABLE cost_report_schedules (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  name text NOT NULL,
  format text NOT NULL CHECK (format IN ('pdf', 'csv')),
  label_key text,
  recipients text NOT NULL CHECK (recipients IN ('managers', 'emails')),
  emails text[] NOT NULL DEFAULT '{}',
  day_of_month int NOT NULL CHECK (day_of_month BETWEEN 1 AND 28),
  enabled boolean NOT NULL DEFAULT true,
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, name)
);

-- One row per schedule and month sent by the worker: the claim that makes replicas send it once.
CREATE TABLE cost_report_deliveries (
  org_id text NOT NULL,
  schedule_id text NOT NULL REFERENCES cost_report_schedules (id) ON DELETE CASCADE,
  period text NOT NULL,
  messages int NOT NULL DEFAULT 0,
  sent_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schedule_id, period)
);
CREATE INDEX cost_report_deliveries_org ON cost_report_deliveries (org_id);
