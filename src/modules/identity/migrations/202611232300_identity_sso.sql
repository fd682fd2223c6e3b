-- Single sign-on (issue 3, ADR 0014): connections to a customer's identity provider, the
-- domains an organization proved it owns, the short-lived state of sign-ins in flight, the
-- IdP identities linked to users, the bindings mappings made, and the traces of failures.

CREATE TABLE sso_connections (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('oidc', 'saml')),
  preset text NOT NULL CHECK (preset IN ('okta', 'entra', 'google', 'generic')),
  enabled boolean NOT NULL DEFAULT false,
  -- Non-secret settings (discovery URL, client id, scopes, claim names); the secret is sealed apart.
  settings jsonb NOT NULL,
  client_secret_sealed jsonb,
  mappings jsonb NOT NULL DEFAULT '[]',
  jit_provisioning boolean NOT NULL DEFAULT true,
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id)
);
CREATE INDEX sso_connections_org_idx ON sso_connections (org_id, id);

-- A domain is claimed by any number of organizations but verified by at most one.
CREATE TABLE sso_domains (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  domain text NOT NULL,
  token text NOT NULL,
  verified_at timestamptz,
  enforce_sso boolean NOT NULL DEFAULT false,
  break_glass_user_ids jsonb NOT NULL DEFAULT '[]',
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, domain)
);
CREATE UNIQUE INDEX sso_domains_verified_key ON sso_domains (domain) WHERE verified_at IS NOT NULL;

-- One row per sign-in in flight, keyed by its state; taken (deleted) by the callback, so single use.
CREATE TABLE sso_login_states (
  state text PRIMARY KEY,
  org_id text NOT NULL,
  connection_id text NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('sign-in', 'test')),
  code_verifier text NOT NULL,
  nonce text NOT NULL,
  return_to text,
  started_by text,
  expires_at timestamptz NOT NULL
);
CREATE INDEX sso_login_states_expiry_idx ON sso_login_states (expires_at);

-- The IdP's subject for a user, per connection, with the claims of the last sign-in (for previews).
CREATE TABLE sso_identities (
  connection_id text NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
  subject text NOT NULL,
  org_id text NOT NULL,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  last_claims jsonb NOT NULL DEFAULT '{}',
  last_sign_in_at timestamptz NOT NULL,
  PRIMARY KEY (connection_id, subject)
);
CREATE INDEX sso_identities_user_idx ON sso_identities (org_id, user_id);

-- The bindings a connection's mappings granted: only these are ever removed by a mapping.
CREATE TABLE sso_mapping_grants (
  org_id text NOT NULL,
  connection_id text NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
  user_id text NOT NULL,
  role_id text NOT NULL,
  scope_type text NOT NULL,
  scope_id text NOT NULL,
  PRIMARY KEY (connection_id, user_id, role_id, scope_type, scope_id)
);

CREATE TABLE sso_traces (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  connection_id text NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
  at timestamptz NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('success', 'failure')),
  purpose text NOT NULL,
  reason text NOT NULL,
  detail text NOT NULL,
  subject text
);
CREATE INDEX sso_traces_connection_idx ON sso_traces (connection_id, at DESC);

-- SAML: the AuthnRequest ids we sent (InResponseTo must name one), and the assertion ids we
-- accepted until they expire (a replayed response is refused).
CREATE TABLE sso_saml_requests (
  id text PRIMARY KEY,
  connection_id text NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL
);
CREATE TABLE sso_saml_replays (
  connection_id text NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
  assertion_id text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (connection_id, assertion_id)
);

-- How a session was opened, and when it last proved a second factor (an IdP's amr counts).
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS mfa_at timestamptz;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS authenticated_via text NOT NULL DEFAULT 'password';
