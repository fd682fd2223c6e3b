import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string | undefined, string>;

/** The tables the kernel itself owns: the audit log, the outbox, idempotency records. */
export type KernelTables = {
  audit_events: {
    id: string;
    org_id: string;
    workspace_id: string | null;
    occurred_at: Timestamp;
    actor_kind: string;
    actor_id: string;
    actor_name: string | null;
    actor_ip: string | null;
    actor_user_agent: string | null;
    session_id: string | null;
    api_key_id: string | null;
    action: string;
    target_type: string;
    target_id: string | null;
    target_name: string | null;
    outcome: 'success' | 'denied' | 'failed';
    reason: string | null;
    request_id: string | null;
    before: Json;
    after: Json;
  };
  audit_unsealed: {
    org_id: string;
    event_id: string;
    occurred_at: Date;
  };
  outbox: {
    id: Generated<string>;
    org_id: string | null;
    topic: string;
    payload: Json;
    status: Generated<'pending' | 'done' | 'dead'>;
    attempts: Generated<number>;
    next_attempt_at: Generated<Date>;
    last_error: string | null;
    created_at: Generated<Date>;
    processed_at: Date | null;
  };
  idempotency_keys: {
    principal_id: string;
    key: string;
    request_hash: string;
    status: 'in_progress' | 'done';
    response_status: number | null;
    response_body: string | null;
    response_headers: Json;
    created_at: Generated<Date>;
  };
  schema_migrations: {
    name: string;
    checksum: string;
    applied_at: Generated<Date>;
  };
};
