-- FOCUS 1.x cloud bills (docs/cost.md "FOCUS"): tag mapping rules, imported bills, their lines
-- and each line's allocation. Money is integer micro-units (bigint) of the org currency.

-- Ordered rules: the first (lowest position) whose tag key and value (or anchored pattern)
-- match a bill line's tags maps the line to a workspace and optionally a project.
CREATE TABLE cost_focus_rules (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  position int NOT NULL,
  tag_key text NOT NULL,
  value text,
  pattern text,
  workspace_id text NOT NULL,
  project_id text,
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (value IS NULL OR pattern IS NULL)
);
CREATE INDEX cost_focus_rules_order_idx ON cost_focus_rules (org_id, position, id);

-- One imported bill. The same file (sha256) is imported once per org.
CREATE TABLE cost_focus_imports (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  sha256 text NOT NULL,
  currency char(3) NOT NULL,
  cost_column text NOT NULL CHECK (cost_column IN ('EffectiveCost', 'BilledCost')),
  billing_period_start timestamptz,
  billing_period_end timestamptz,
  charge_period_start timestamptz,
  charge_period_end timestamptz,
  row_count int NOT NULL,
  billed_total bigint NOT NULL,
  effective_total bigint NOT NULL,
  allocated_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, sha256)
);

-- The bill's lines with the allocation the rules gave them (workspace_id NULL: unallocated).
CREATE TABLE cost_focus_lines (
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  import_id text NOT NULL REFERENCES cost_focus_imports (id) ON DELETE CASCADE,
  line int NOT NULL,
  charge_period_start timestamptz NOT NULL,
  charge_period_end timestamptz NOT NULL,
  charge_category text NOT NULL,
  service_name text NOT NULL,
  provider_name text NOT NULL,
  resource_id text,
  billed_cost bigint NOT NULL,
  effective_cost bigint NOT NULL,
  tags jsonb NOT NULL,
  workspace_id text,
  project_id text,
  rule_id text,
  PRIMARY KEY (import_id, line)
);
CREATE INDEX cost_focus_lines_org_idx ON cost_focus_lines (org_id, import_id);
CREATE INDEX cost_focus_lines_day_idx ON cost_focus_lines (org_id, charge_period_start);
