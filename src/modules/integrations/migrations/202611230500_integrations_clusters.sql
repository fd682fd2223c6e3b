-- Kubernetes clusters an organization registers, and where its workspaces are placed.
-- The bearer token is sealed (envelope encryption: kernel/crypto.ts); the CA is public.
CREATE TABLE clusters (
  id text PRIMARY KEY,
  org_id text NOT NULL,
  name text NOT NULL,
  api_url text NOT NULL,
  ca_data text,
  token_sealed jsonb NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'unknown' CHECK (status IN ('unknown', 'ready', 'unreachable')),
  kubernetes_version text,
  status_message text,
  checked_at timestamptz,
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id)
);
CREATE UNIQUE INDEX clusters_org_name_idx ON clusters (org_id, lower(name));

-- One row per placed workspace. It outlives the workspace row on purpose: the reconciler
-- needs it to delete the namespace after the workspace is gone, and removes it then.
CREATE TABLE workspace_placements (
  workspace_id text PRIMARY KEY,
  org_id text NOT NULL,
  cluster_id text NOT NULL,
  namespace text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'failed', 'deleting')),
  attempts int NOT NULL DEFAULT 0,
  last_error text,
  last_applied_at timestamptz,
  observed_generation int,
  placed_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, cluster_id) REFERENCES clusters (org_id, id),
  UNIQUE (cluster_id, namespace)
);
CREATE INDEX workspace_placements_org_idx ON workspace_placements (org_id, cluster_id);
