-- The access log (ADR 0009): one row per API request, partitioned by day so retention drops
-- whole days. Telemetry, not evidence: rows are not sealed and may be deleted by retention.
CREATE TABLE access_log (
  id bigserial NOT NULL,
  at timestamptz NOT NULL,
  org_id text,
  workspace_id text,
  method text NOT NULL,
  route text,
  status smallint NOT NULL,
  latency_ms real NOT NULL,
  principal_kind text,
  principal_id text,
  api_key_id text,
  session_id text,
  ip text,
  user_agent text,
  bytes_in bigint NOT NULL DEFAULT 0,
  bytes_out bigint NOT NULL DEFAULT 0,
  request_id text,
  PRIMARY KEY (at, id)
) PARTITION BY RANGE (at);

-- Rows whose day has no partition yet land here; ensure_access_log_partitions moves them out.
CREATE TABLE access_log_default PARTITION OF access_log DEFAULT;

CREATE INDEX access_log_org_at_idx ON access_log (org_id, at DESC, id DESC);
CREATE INDEX access_log_org_principal_idx ON access_log (org_id, principal_id, at DESC);
CREATE INDEX access_log_org_route_idx ON access_log (org_id, route text_pattern_ops, at DESC);
CREATE INDEX access_log_org_status_idx ON access_log (org_id, status, at DESC);

-- Creates the daily partitions access_log_YYYYMMDD for `days` days from `from_day`; idempotent.
-- Rows already in the default partition for such a day are moved into the new partition, so
-- attaching it never fails on them.
CREATE FUNCTION ensure_access_log_partitions(from_day date, days int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
  start_at timestamptz;
  end_at timestamptz;
  part text;
  created int := 0;
BEGIN
  FOR i IN 0..days - 1 LOOP
    start_at := ((from_day + i)::timestamp AT TIME ZONE 'UTC');
    end_at := start_at + interval '1 day';
    part := format('access_log_%s', to_char(from_day + i, 'YYYYMMDD'));
    IF to_regclass(part) IS NULL THEN
      EXECUTE format('CREATE TABLE %I (LIKE access_log INCLUDING DEFAULTS)', part);
      EXECUTE format('WITH moved AS (DELETE FROM access_log_default WHERE at >= %L AND at < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
        start_at, end_at, part);
      EXECUTE format('ALTER TABLE access_log ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, start_at, end_at);
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END $$;

SELECT ensure_access_log_partitions((now() AT TIME ZONE 'UTC')::date - 1, 5);
