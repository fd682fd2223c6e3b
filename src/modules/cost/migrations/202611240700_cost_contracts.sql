-- Fixed-price contracts (issue 5, item 5; docs/cost.md "Contracts"): a commitment per calendar
-- period in the organization's time zone, drawn down by the allocated spend, overage at a rate,
-- trued up at the period's close. Statements are computed from the allocation when asked.
CREATE TABLE cost_contracts (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  name text NOT NULL,
  period text NOT NULL CHECK (period IN ('monthly', 'quarterly', 'yearly')),
  commitment_micros bigint NOT NULL CHECK (commitment_micros >= 0),
  overage_rate_bp int NOT NULL CHECK (overage_rate_bp BETWEEN 0 AND 100000),
  currency char(3) NOT NULL,
  starts_on date NOT NULL,
  ends_on date,
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_on IS NULL OR ends_on > starts_on),
  UNIQUE (org_id, name)
);
