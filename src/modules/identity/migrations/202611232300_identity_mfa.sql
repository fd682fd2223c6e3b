-- MFA and organization security policy (ADR 0013).

-- The TOTP secret is sealed (envelope encryption); it must be read back to check a code, so
-- it cannot be hashed. Unconfirmed rows are an enrolment in progress.
CREATE TABLE mfa_totp (
  user_id text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret_sealed jsonb NOT NULL,
  confirmed_at timestamptz,
  -- The RFC 6238 time step of the last accepted code: a code is never accepted twice.
  last_time_step bigint,
  created_at timestamptz NOT NULL
);

-- Recovery codes carry about 79 random bits, so SHA-256 is enough (no slow hash needed).
CREATE TABLE mfa_recovery_codes (
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash text NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE mfa_webauthn_credentials (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL,
  public_key text NOT NULL,
  counter bigint NOT NULL DEFAULT 0,
  transports jsonb NOT NULL DEFAULT '[]',
  device_type text NOT NULL,
  backed_up boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  last_used_at timestamptz
);
CREATE INDEX mfa_webauthn_credentials_user_idx ON mfa_webauthn_credentials (user_id);

-- Server-side WebAuthn challenges (registration, step-up) and password-accepted sign-ins
-- waiting for their second factor (the mfaToken, stored as its SHA-256).
CREATE TABLE mfa_challenges (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('registration', 'authentication', 'sign-in')),
  token_hash text UNIQUE,
  challenge text,
  attempts int NOT NULL DEFAULT 0,
  ip text,
  user_agent text,
  expires_at timestamptz NOT NULL
);
CREATE INDEX mfa_challenges_user_idx ON mfa_challenges (user_id, purpose);

-- When the session last proved a second factor, and its own idle limit (from the strictest
-- organization policy at sign-in; null: the platform's).
ALTER TABLE sessions ADD COLUMN mfa_at timestamptz;
ALTER TABLE sessions ADD COLUMN idle_minutes int;

CREATE TABLE org_security_policies (
  org_id text PRIMARY KEY,
  policy jsonb NOT NULL,
  version int NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL,
  updated_by text NOT NULL
);
