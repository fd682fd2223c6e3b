-- Custom roles. Built-in roles (org-owner, workspace-admin, ...) are code, not rows.
CREATE TABLE roles (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  scope text NOT NULL CHECK (scope IN ('organization', 'workspace', 'project')),
  -- Action patterns: "workspace:read", "workspace:*", "*:read", "!project:delete".
  actions jsonb NOT NULL,
  version int NOT NULL DEFAULT 1,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX roles_org_name_idx ON roles (org_id, lower(name));

-- role_id names a built-in role or a row of roles, hence no foreign key; deleting a custom
-- role that still has bindings is refused by the service under a row lock.
CREATE TABLE role_bindings (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  role_id text NOT NULL,
  subject_type text NOT NULL CHECK (subject_type IN ('user', 'group')),
  subject_id text NOT NULL,
  scope_type text NOT NULL CHECK (scope_type IN ('organization', 'workspace', 'project')),
  scope_id text NOT NULL,
  -- The workspace that holds the scope (null at organization scope): list filters and
  -- grants need it without asking tenancy about every project.
  workspace_id text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT role_bindings_unique UNIQUE (org_id, role_id, subject_type, subject_id, scope_type, scope_id)
);
CREATE INDEX role_bindings_subject_idx ON role_bindings (org_id, subject_id);
CREATE INDEX role_bindings_role_idx ON role_bindings (org_id, role_id);
CREATE INDEX role_bindings_org_id_idx ON role_bindings (org_id, id);

-- Cedar policies, validated against the generated schema before they are saved.
CREATE TABLE access_policies (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  text text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  version int NOT NULL DEFAULT 1,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX access_policies_org_name_idx ON access_policies (org_id, lower(name));
CREATE INDEX access_policies_org_id_idx ON access_policies (org_id, id);
