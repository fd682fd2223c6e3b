import type { ActionInfo } from '../../kernel/authz.ts';

export const complianceActions: ActionInfo[] = [
  { name: 'pii-rule:read', scope: 'organization', description: 'See the PII masking rules and preview what they mask' },
  { name: 'pii-rule:create', scope: 'organization', description: 'Add a PII masking rule' },
  { name: 'pii-rule:update', scope: 'organization', description: 'Change a PII masking rule' },
  { name: 'pii-rule:delete', scope: 'organization', description: 'Remove a PII masking rule' },
  { name: 'audit:read-unmasked', scope: 'organization', description: 'Read audit events without read-time PII masking (each read is itself audited)' },
];
