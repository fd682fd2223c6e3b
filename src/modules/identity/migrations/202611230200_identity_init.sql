-- Users are global (one account, many organizations); e-mail is unique whatever its case.
CREATE TABLE users (
  id text PRIMARY KEY,
  email text NOT NULL,
  display_name text NOT NULL,
  -- Null for accounts that cannot sign in with a password (SSO-only, later).
  password_hash text,
  platform_admin boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  failed_logins int NOT NULL DEFAULT 0,
  locked_until timestamptz,
  password_changed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  version int NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- The session token itself is never stored: only its SHA-256, so a database leak yields no cookie.
CREATE TABLE sessions (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ip text,
  user_agent text,
  revoked_at timestamptz
);
CREATE INDEX sessions_user_idx ON sessions (user_id, id) WHERE revoked_at IS NULL;

-- An API key grants either a role or an explicit action list, never both.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  name text NOT NULL,
  workspace_id text,
  role_id text,
  actions jsonb,
  secret_hash text NOT NULL,
  previous_secret_hash text,
  previous_expires_at timestamptz,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  expires_at timestamptz,
  last_used_at timestamptz,
  last_used_ip text,
  rate_limit_per_minute int NOT NULL CHECK (rate_limit_per_minute > 0),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  rotated_at timestamptz,
  revoked_at timestamptz,
  version int NOT NULL DEFAULT 1,
  CHECK ((role_id IS NULL) <> (actions IS NULL))
);
CREATE INDEX api_keys_org_idx ON api_keys (org_id, id);
CREATE INDEX api_keys_creator_idx ON api_keys (org_id, created_by) WHERE status = 'active';

CREATE TABLE groups (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id)
);
CREATE UNIQUE INDEX groups_org_name_key ON groups (org_id, lower(name));

CREATE TABLE group_members (
  org_id text NOT NULL,
  group_id text NOT NULL,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, user_id),
  FOREIGN KEY (org_id, group_id) REFERENCES groups (org_id, id) ON DELETE CASCADE
);
CREATE INDEX group_members_user_idx ON group_members (org_id, user_id);
