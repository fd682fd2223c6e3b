-- Budgets (issue 5, docs/cost.md): per workspace, optionally narrowed to a project or a label,
-- for a monthly, quarterly or yearly period in the organization's time zone and currency.
CREATE TABLE cost_budgets (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  name text NOT NULL,
  workspace_id text NOT NULL,
  project_id text,
  label_key text,
  label_value text,
  period text NOT NULL CHECK (period IN ('monthly', 'quarterly', 'yearly')),
  amount_micros bigint NOT NULL CHECK (amount_micros > 0),
  currency char(3) NOT NULL,
  -- [{percent, basis}]: alert thresholds on actual or forecast spend.
  thresholds jsonb NOT NULL,
  channel_ids text[] NOT NULL DEFAULT '{}',
  on_exceeded text NOT NULL CHECK (on_exceeded IN ('notify', 'require-approval', 'block')),
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((label_key IS NULL) = (label_value IS NULL)),
  UNIQUE (org_id, name)
);
CREATE INDEX cost_budgets_workspace_idx ON cost_budgets (org_id, workspace_id);

-- One row per threshold crossed per period: the insert that wins is the one alert sent, however
-- often the budget is evaluated and by however many replicas.
CREATE TABLE cost_budget_alerts (
  org_id text NOT NULL,
  budget_id text NOT NULL REFERENCES cost_budgets (id) ON DELETE CASCADE,
  period_start date NOT NULL,
  basis text NOT NULL CHECK (basis IN ('actual', 'forecast')),
  percent numeric(7, 2) NOT NULL,
  spend_micros bigint NOT NULL,
  alerted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (budget_id, period_start, basis, percent)
);
CREATE INDEX cost_budget_alerts_org_idx ON cost_budget_alerts (org_id, budget_id);
