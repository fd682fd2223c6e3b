-- PII masking (ADR 0010). An org without a settings row has never touched its rules: the
-- built-in defaults apply to it, and its first rule use case writes them here as rows.
CREATE TABLE compliance_pii_settings (
  org_id text PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  -- The HMAC key of the `hash` style, sealed with envelope encryption; made with the first hash rule.
  hmac_key jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE compliance_pii_rules (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES compliance_pii_settings (org_id) ON DELETE CASCADE,
  name text NOT NULL,
  detector text NOT NULL CHECK (detector IN ('email', 'phone', 'payment-card', 'my-number', 'iban', 'ip-address')),
  applies_to jsonb NOT NULL,
  mode text NOT NULL CHECK (mode IN ('write', 'read')),
  style text NOT NULL CHECK (style IN ('redact', 'partial', 'hash')),
  default_country char(2),
  enabled boolean NOT NULL DEFAULT true,
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, name)
);
CREATE INDEX compliance_pii_rules_org_idx ON compliance_pii_rules (org_id, id);
