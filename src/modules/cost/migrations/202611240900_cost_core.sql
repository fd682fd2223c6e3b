-- Cost management (ADR 0015, docs/cost.md). Money is integer micro-units (bigint) with an ISO
-- currency; quantities are integer base units (millicores, MiB, milli-GPU).

-- A price version: the rates of one provider and region from `effective_from` until the next
-- version of the same provider and region takes over.
CREATE TABLE cost_prices (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  provider text NOT NULL,
  region text NOT NULL,
  effective_from timestamptz NOT NULL,
  currency char(3) NOT NULL,
  kind text NOT NULL CHECK (kind IN ('list', 'on-prem')),
  cpu_core_hour bigint NOT NULL CHECK (cpu_core_hour >= 0),
  memory_gib_hour bigint NOT NULL CHECK (memory_gib_hour >= 0),
  storage_gib_month bigint NOT NULL CHECK (storage_gib_month >= 0),
  gpu_hour bigint NOT NULL CHECK (gpu_hour >= 0),
  egress_gib bigint NOT NULL CHECK (egress_gib >= 0),
  -- Negotiated discount off every rate, in basis points (1/100 %).
  discount_bp int NOT NULL DEFAULT 0 CHECK (discount_bp BETWEEN 0 AND 10000),
  -- For on-premises rates: the inputs they were amortised from.
  amortisation jsonb,
  note text NOT NULL DEFAULT '',
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, provider, region, effective_from)
);
CREATE INDEX cost_prices_lookup_idx ON cost_prices (org_id, provider, region, effective_from DESC);

-- How an org allocates: cost model, idle policy, shared namespaces, mappings. One row per org.
CREATE TABLE cost_settings (
  org_id text PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  settings jsonb NOT NULL,
  version int NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Where usage comes from: a cluster's Prometheus. `collected_until` is the incremental watermark.
CREATE TABLE cost_sources (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  cluster text NOT NULL,
  url text NOT NULL,
  provider text NOT NULL,
  region text NOT NULL,
  bearer_token jsonb,
  collected_until timestamptz,
  last_run jsonb,
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, name),
  UNIQUE (org_id, cluster)
);

-- Clusters known from pushed usage or sources: which provider and region price them.
CREATE TABLE cost_clusters (
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  cluster text NOT NULL,
  provider text NOT NULL,
  region text NOT NULL,
  PRIMARY KEY (org_id, cluster)
);

-- One hour of one pod (or PVC, pod = 'pvc/<name>'). The key (cluster, namespace, pod, hour)
-- makes collection and pushes idempotent: a re-run overwrites the same rows. Partitioned by
-- month so retention drops partitions (ARCHITECTURE §3).
CREATE TABLE cost_usage_samples (
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  cluster text NOT NULL,
  namespace text NOT NULL,
  pod text NOT NULL,
  hour timestamptz NOT NULL,
  cpu_request_mcores int NOT NULL DEFAULT 0,
  cpu_usage_mcores int NOT NULL DEFAULT 0,
  memory_request_mib int NOT NULL DEFAULT 0,
  memory_usage_mib int NOT NULL DEFAULT 0,
  storage_mib int NOT NULL DEFAULT 0,
  gpu_milli int NOT NULL DEFAULT 0,
  egress_mib int NOT NULL DEFAULT 0,
  source text NOT NULL CHECK (source IN ('push', 'prometheus')),
  PRIMARY KEY (org_id, cluster, namespace, pod, hour)
) PARTITION BY RANGE (hour);
CREATE TABLE cost_usage_samples_default PARTITION OF cost_usage_samples DEFAULT;
CREATE INDEX cost_usage_samples_hour_idx ON cost_usage_samples (org_id, hour);

CREATE FUNCTION ensure_cost_usage_partitions(from_month date, months int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  start_at date;
  part text;
BEGIN
  FOR i IN 0..months - 1 LOOP
    start_at := (date_trunc('month', from_month) + make_interval(months => i))::date;
    part := format('cost_usage_samples_%s', to_char(start_at, 'YYYYMM'));
    IF to_regclass(part) IS NULL THEN
      -- Taken under a lock: concurrent collectors must not race to create the same month.
      PERFORM pg_advisory_xact_lock(hashtext(part));
      IF to_regclass(part) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF cost_usage_samples FOR VALUES FROM (%L) TO (%L)',
          part, start_at, (start_at + interval '1 month')::date);
      END IF;
    END IF;
  END LOOP;
END $$;

SELECT ensure_cost_usage_partitions((now() - interval '1 month')::date, 3);

-- Pod labels, kept per pod rather than per sample (they change rarely).
CREATE TABLE cost_pod_labels (
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  cluster text NOT NULL,
  namespace text NOT NULL,
  pod text NOT NULL,
  labels jsonb NOT NULL,
  seen_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, cluster, namespace, pod)
);

-- Cluster capacity per hour (the sum over nodes), for idle cost.
CREATE TABLE cost_capacity_samples (
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  cluster text NOT NULL,
  hour timestamptz NOT NULL,
  cpu_mcores bigint NOT NULL,
  memory_mib bigint NOT NULL,
  gpu_milli bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, cluster, hour)
);
