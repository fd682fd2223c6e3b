-- Sealing (ADR 0006): per-organization RFC 6962 Merkle trees over audit_events, signed checkpoints.

-- Refuses UPDATE, DELETE and TRUNCATE on the sealing tables that are history.
CREATE FUNCTION audit_sealing_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

-- Ed25519 keys that sign checkpoints. The private key is sealed with envelope encryption;
-- a retired key signs nothing more, and its public key stays published for old checkpoints.
CREATE TABLE audit_signing_keys (
  key_id text PRIMARY KEY,
  algorithm text NOT NULL DEFAULT 'Ed25519' CHECK (algorithm = 'Ed25519'),
  public_key text NOT NULL,
  private_key_sealed jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
-- At most one key signs at a time.
CREATE UNIQUE INDEX audit_signing_keys_active_idx ON audit_signing_keys ((true)) WHERE retired_at IS NULL;

-- Only retirement (retired_at NULL -> a time) may change a key; keys are never deleted.
CREATE FUNCTION audit_signing_keys_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.retired_at IS NULL AND NEW.retired_at IS NOT NULL
     AND (to_jsonb(NEW) - 'retired_at') = (to_jsonb(OLD) - 'retired_at') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_signing_keys: % refused (only retirement is allowed)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_signing_keys_guard BEFORE UPDATE OR DELETE ON audit_signing_keys
  FOR EACH ROW EXECUTE FUNCTION audit_signing_keys_guard();

-- The size and root of each organization's tree; the row the sealer locks while it appends.
CREATE TABLE audit_trees (
  org_id text PRIMARY KEY,
  tree_size bigint NOT NULL CHECK (tree_size >= 0),
  root_hash bytea NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every completed perfect subtree: node (level, idx) covers leaves [idx * 2^level, (idx + 1) * 2^level).
-- Level 0 holds the leaf hashes. A node never changes once complete.
CREATE TABLE audit_tree_nodes (
  org_id text NOT NULL,
  level smallint NOT NULL CHECK (level BETWEEN 0 AND 62),
  idx bigint NOT NULL CHECK (idx >= 0),
  hash bytea NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (org_id, level, idx)
);
CREATE TRIGGER audit_tree_nodes_append_only BEFORE UPDATE OR DELETE ON audit_tree_nodes
  FOR EACH ROW EXECUTE FUNCTION audit_sealing_refuse_change();
CREATE TRIGGER audit_tree_nodes_no_truncate BEFORE TRUNCATE ON audit_tree_nodes
  FOR EACH STATEMENT EXECUTE FUNCTION audit_sealing_refuse_change();

-- Signed tree heads, one per sealed batch.
CREATE TABLE audit_checkpoints (
  org_id text NOT NULL,
  tree_size bigint NOT NULL CHECK (tree_size > 0),
  root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
  signed_at timestamptz NOT NULL,
  key_id text NOT NULL REFERENCES audit_signing_keys (key_id),
  signature bytea NOT NULL,
  PRIMARY KEY (org_id, tree_size)
);
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_sealing_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_sealing_refuse_change();
