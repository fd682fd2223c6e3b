import { NumberInput, SegmentedControl, SimpleGrid, Stack, TagsInput, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { usePutSecurityPolicy, useSecurityPolicy, type SecurityPolicy, type SecurityPolicyInput } from '../api/mfa.ts';
import { useOrgId } from '../api/org.ts';
import { fieldErrors } from '../api/problem.ts';
import { ProblemForm } from '../components/form/ProblemForm.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { QueryState } from '../components/ProblemAlert.tsx';
import { SectionCard } from '../components/SectionCard.tsx';
import { notifySuccess } from '../lib/notify.ts';

const FIELDS = [
  'mfa.required', 'mfa.stepUpMinutes', 'password.minLength', 'sessions.idleMinutes', 'sessions.absoluteHours', 'sessions.maxConcurrent',
  'ipAllowList.console', 'ipAllowList.api', 'ipAllowList.breakGlassUserIds', 'lockout.threshold', 'lockout.baseSeconds',
];

const numberOrNull = (v: string | number) => (typeof v === 'number' ? v : v === '' ? null : Number(v));

function PolicyForm({ orgId, policy }: { orgId: string; policy: SecurityPolicy }) {
  const save = usePutSecurityPolicy(orgId);
  const toInput = (p: SecurityPolicy): SecurityPolicyInput => ({ mfa: p.mfa, password: p.password, sessions: p.sessions, ipAllowList: p.ipAllowList, lockout: p.lockout });
  const [value, setValue] = useState<SecurityPolicyInput>(toInput(policy));
  useEffect(() => setValue(toInput(policy)), [policy]);
  const errors = fieldErrors(save.error);
  const set = <K extends keyof SecurityPolicyInput>(key: K, change: Partial<SecurityPolicyInput[K]>) => setValue((v) => ({ ...v, [key]: { ...v[key], ...change } }));

  return (
    <ProblemForm submission={save} fields={FIELDS} onSubmit={() => save.mutate({ version: policy.version, body: value }, { onSuccess: () => notifySuccess('Security policy saved') })} submitLabel="Save policy" submitTestId="security-policy-save">
      <SectionCard title="Multi-factor authentication" description="Sensitive actions (audit export, key rotation, policy and SSO changes) then need a recent second factor.">
        <Stack>
          <SegmentedControl
            data={[{ value: 'off', label: 'Optional' }, { value: 'admins', label: 'Required for administrators' }, { value: 'everyone', label: 'Required for everyone' }]}
            value={value.mfa.required}
            onChange={(required) => set('mfa', { required: required as SecurityPolicyInput['mfa']['required'] })}
            data-testid="security-policy-mfa"
          />
          <NumberInput label="Step-up window (minutes)" min={1} max={1440} value={value.mfa.stepUpMinutes} onChange={(v) => set('mfa', { stepUpMinutes: Number(v) })} error={errors['mfa.stepUpMinutes']} />
        </Stack>
      </SectionCard>
      <SectionCard title="Passwords and lockout">
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <NumberInput label="Minimum length" min={12} max={128} value={value.password.minLength} onChange={(v) => set('password', { minLength: Number(v) })} error={errors['password.minLength']} />
          <NumberInput label="Failures before lockout" min={3} max={20} value={value.lockout.threshold} onChange={(v) => set('lockout', { threshold: Number(v) })} error={errors['lockout.threshold']} />
          <NumberInput label="First lock (seconds, doubles)" min={1} max={3600} value={value.lockout.baseSeconds} onChange={(v) => set('lockout', { baseSeconds: Number(v) })} error={errors['lockout.baseSeconds']} />
        </SimpleGrid>
      </SectionCard>
      <SectionCard title="Sessions" description="Empty: the platform's limit. Applies to sessions started after saving.">
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <NumberInput label="Idle timeout (minutes)" min={1} value={value.sessions.idleMinutes ?? ''} onChange={(v) => set('sessions', { idleMinutes: numberOrNull(v) })} error={errors['sessions.idleMinutes']} />
          <NumberInput label="Absolute timeout (hours)" min={1} value={value.sessions.absoluteHours ?? ''} onChange={(v) => set('sessions', { absoluteHours: numberOrNull(v) })} error={errors['sessions.absoluteHours']} />
          <NumberInput label="Concurrent sessions per user" min={1} value={value.sessions.maxConcurrent ?? ''} onChange={(v) => set('sessions', { maxConcurrent: numberOrNull(v) })} error={errors['sessions.maxConcurrent']} />
        </SimpleGrid>
      </SectionCard>
      <SectionCard title="IP allow-lists" description="CIDR ranges; empty allows every address. Break-glass users are never refused.">
        <Stack>
          <TagsInput label="Console (sessions)" placeholder="10.0.0.0/8" value={value.ipAllowList.console} onChange={(console) => set('ipAllowList', { console })} error={errors['ipAllowList.console']} data-testid="security-policy-console-cidrs" />
          <TagsInput label="API keys" placeholder="203.0.113.0/24" value={value.ipAllowList.api} onChange={(api) => set('ipAllowList', { api })} error={errors['ipAllowList.api']} />
          <TagsInput label="Break-glass user ids" placeholder="usr_…" value={value.ipAllowList.breakGlassUserIds} onChange={(breakGlassUserIds) => set('ipAllowList', { breakGlassUserIds })} error={errors['ipAllowList.breakGlassUserIds']} />
        </Stack>
      </SectionCard>
      <Text size="xs" c="dimmed">Version {policy.version}</Text>
    </ProblemForm>
  );
}

export function SecurityPolicyPage() {
  const orgId = useOrgId();
  const policy = useSecurityPolicy(orgId);
  return (
    <>
      <PageHeader title="Security policy" description="MFA, passwords, sessions, IP allow-lists and lockout for everyone in this organization." />
      <QueryState query={policy}>{policy.data && <PolicyForm orgId={orgId} policy={policy.data} />}</QueryState>
    </>
  );
}
