import { useQuery } from '@tanstack/react-query';
import { api, call, ifMatch, type BodyOf } from './client.ts';
import { allPages, orgKey, useApiMutation } from './query.ts';

export type PiiRuleInput = BodyOf<'/api/v1/orgs/{orgId}/pii-rules', 'post'>;
export type PiiPreviewInput = BodyOf<'/api/v1/orgs/{orgId}/pii-rules/preview', 'post'>;

export function usePiiRules(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'pii-rules'),
    queryFn: () => allPages((cursor) => call(api.GET('/api/v1/orgs/{orgId}/pii-rules', { params: { path: { orgId }, query: { cursor, limit: 200 } } }))),
  });
}

export function useCreatePiiRule(orgId: string) {
  return useApiMutation((body: PiiRuleInput) => call(api.POST('/api/v1/orgs/{orgId}/pii-rules', { params: { path: { orgId } }, body })), [orgKey(orgId, 'pii-rules'), orgKey(orgId, 'audit')]);
}

export function useUpdatePiiRule(orgId: string) {
  return useApiMutation(
    ({ id, version, changes }: { id: string; version: number; changes: BodyOf<'/api/v1/orgs/{orgId}/pii-rules/{ruleId}', 'patch'> }) =>
      call(api.PATCH('/api/v1/orgs/{orgId}/pii-rules/{ruleId}', { params: { path: { orgId, ruleId: id } }, body: changes, ...ifMatch(version) })),
    [orgKey(orgId, 'pii-rules'), orgKey(orgId, 'audit')],
  );
}

export function useDeletePiiRule(orgId: string) {
  return useApiMutation((ruleId: string) => call(api.DELETE('/api/v1/orgs/{orgId}/pii-rules/{ruleId}', { params: { path: { orgId, ruleId } } })), [orgKey(orgId, 'pii-rules'), orgKey(orgId, 'audit')]);
}

/** What a text would become: stored (write rules) and shown (write + read rules). Changes nothing. */
export function usePiiPreview(orgId: string, body: PiiPreviewInput | null) {
  return useQuery({
    queryKey: orgKey(orgId, 'pii-preview', body),
    queryFn: () => call(api.POST('/api/v1/orgs/{orgId}/pii-rules/preview', { params: { path: { orgId } }, body: body! })),
    enabled: body !== null,
    placeholderData: (previous) => previous,
  });
}

/** Whether I may do `action` in the org (asking about yourself is open to every member). */
export function useCan(orgId: string, action: string) {
  const check = useQuery({
    queryKey: orgKey(orgId, 'can', action),
    queryFn: () => call(api.POST('/api/v1/orgs/{orgId}/authz/check', { params: { path: { orgId } }, body: { action, resource: { type: 'organization', id: orgId } } })),
    staleTime: 60_000,
  });
  return check.data?.allowed === true;
}
