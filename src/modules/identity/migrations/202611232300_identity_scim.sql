-- SCIM 2.0 provisioning (ADR 0012). Tokens are stored as SHA-256 hashes, like API keys (ADR 0003).
CREATE TABLE scim_tokens (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  name text NOT NULL,
  secret_hash text NOT NULL,
  previous_secret_hash text,
  previous_expires_at timestamptz,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  last_used_at timestamptz,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  rotated_at timestamptz,
  revoked_at timestamptz,
  version int NOT NULL DEFAULT 1
);
CREATE INDEX scim_tokens_org_idx ON scim_tokens (org_id, id);

-- What an identity provider says about a user in one organization; the account itself is `users`.
CREATE TABLE scim_users (
  org_id text NOT NULL,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  external_id text,
  user_name text NOT NULL,
  display_name text,
  given_name text,
  family_name text,
  emails jsonb NOT NULL DEFAULT '[]',
  active boolean NOT NULL DEFAULT true,
  department text,
  cost_center text,
  manager_id text,
  employee_number text,
  -- Attributes Hexaplane does not interpret, kept so a GET returns what the IdP sent.
  extra jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version int NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, user_id)
);
CREATE UNIQUE INDEX scim_users_user_name_key ON scim_users (org_id, lower(user_name));
CREATE INDEX scim_users_external_idx ON scim_users (org_id, external_id);

-- A SCIM group is an identity group (so role bindings on it apply) plus what the IdP sent.
CREATE TABLE scim_groups (
  org_id text NOT NULL,
  group_id text NOT NULL,
  external_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version int NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, group_id),
  FOREIGN KEY (org_id, group_id) REFERENCES groups (org_id, id) ON DELETE CASCADE
);

-- Deactivation by SCIM suspends API keys; reactivation restores exactly those (not revoked ones).
ALTER TABLE api_keys DROP CONSTRAINT api_keys_status_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_status_check CHECK (status IN ('active', 'revoked', 'suspended'));
ALTER TABLE api_keys ADD COLUMN suspended_at timestamptz;
