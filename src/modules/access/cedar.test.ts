import { describe, expect, it } from 'vitest';
import type { ActionInfo } from '../../kernel/authz.ts';
import { buildSchema, compilePolicySet, evaluate, lineColumn, parseStatements, resourceEntities, uid, userEntity, validatePolicyText, verbGroupOf } from './cedar.ts';
import { requestContext } from './context.ts';

const catalog: ActionInfo[] = [
  { name: 'organization:create', scope: 'platform', description: 'Create an organization' },
  { name: 'workspace:read', scope: 'workspace', description: 'See a workspace' },
  { name: 'project:delete', scope: 'workspace', description: 'Delete a project' },
  { name: 'member:remove', scope: 'organization', description: 'Remove a member' },
  { name: 'access:simulate', scope: 'organization', description: 'Simulate' },
];
const schema = buildSchema(catalog);

const businessHours = `// Finance-BU: no deletes outside office hours (Tokyo)
forbid (principal, action in Hexaplane::Action::"delete", resource in Hexaplane::Workspace::"ws_fin")
unless { context.time.hour >= 9 && context.time.hour < 18 };`;

describe('Cedar schema', () => {
  it('has one action per catalog action, grouped by verb, and no platform actions', () => {
    expect(schema.actions).toEqual(['access:simulate', 'create', 'delete', 'member:remove', 'project:delete', 'read', 'update', 'workspace:read']);
    expect(schema.text).toContain('action "project:delete" in [Action::"delete"]');
    expect(schema.text).toContain('action "member:remove" in [Action::"delete"]');
    expect(schema.text).not.toContain('organization:create');
    expect(schema.text).toMatch(/entity Workspace in \[Organization\] = \{[^}]*name: __cedar::String[^}]*\} tags __cedar::String;/);
    expect(schema.entityTypes).toEqual(['Hexaplane::User', 'Hexaplane::Group', 'Hexaplane::ApiKey', 'Hexaplane::Organization', 'Hexaplane::Workspace', 'Hexaplane::Project']);
    expect(verbGroupOf('api-key:rotate')).toBe('update');
    expect(verbGroupOf('access:simulate')).toBeNull();
  });
});

describe('policy validation', () => {
  it('accepts the business-hours example and label, IP and MFA conditions', () => {
    expect(validatePolicyText(businessHours, schema)).toEqual({ valid: true, errors: [] });
    const more = `permit (principal, action == Hexaplane::Action::"workspace:read", resource)
      when { resource.hasTag("env") && resource.getTag("env") == "dev" };
      forbid (principal, action, resource) when { context has ip && !context.ip.isInRange(ip("10.0.0.0/8")) };
      forbid (principal, action in Hexaplane::Action::"delete", resource) unless { context has mfaAgeSeconds && context.mfaAgeSeconds < 900 };`;
    expect(validatePolicyText(more, schema)).toEqual({ valid: true, errors: [] });
  });

  it('reports syntax and type errors with line and column', () => {
    const syntax = validatePolicyText('permit (principal, action, resource)\nwhen { context.time.hour >= };', schema);
    expect(syntax.valid).toBe(false);
    expect(syntax.errors[0]).toMatchObject({ line: 2, column: expect.any(Number) });

    const typo = validatePolicyText('permit (principal, action, resource)\n  when { resource.nmae == "x" };', schema);
    expect(typo.valid).toBe(false);
    expect(typo.errors[0]).toMatchObject({ line: 2, column: 10, message: expect.stringContaining('nmae') });

    const optional = validatePolicyText('forbid (principal, action, resource) when { context.mfaAgeSeconds > 60 };', schema);
    expect(optional.errors[0]!.message).toContain('mfaAgeSeconds');

    const unknownAction = validatePolicyText('permit (principal, action == Hexaplane::Action::"nope:read", resource);', schema);
    expect(unknownAction.valid).toBe(false);
  });

  it('refuses templates and empty text', () => {
    expect(parseStatements('permit (principal == ?principal, action, resource);').errors[0]!.message).toContain('templates');
    expect(parseStatements('// only a comment').errors[0]!.message).toContain('no policy');
  });

  it('counts columns in characters, not bytes', () => {
    expect(lineColumn('// 日本\nab', Buffer.byteLength('// 日本\na'))).toEqual({ line: 2, column: 2 });
  });
});

describe('evaluation', () => {
  const set = compilePolicySet('test:org', [{ id: 'pol_1', name: 'Finance business hours', text: businessHours }], schema, 'test-schema');
  const user = userEntity('usr_1', 'a@example.com', false, ['grp_1']);
  const { resource, entities } = resourceEntities({
    organization: { id: 'org_1', name: 'Acme', slug: 'acme', labels: {} },
    workspace: { id: 'ws_fin', name: 'Finance-BU', slug: 'finance-bu', labels: { env: 'prod' } },
    project: { id: 'prj_1', name: 'Ledger', slug: 'ledger', labels: {} },
  });
  const at = (iso: string, roleAllows: boolean, action = 'project:delete') =>
    evaluate(set, {
      principal: uid('User', 'usr_1'),
      action,
      resource,
      entities: [...user, ...entities],
      context: requestContext({ roleAllows, now: new Date(iso), timeZone: 'Asia/Tokyo', ip: null, mfaAt: null }),
    });

  it('lets role grants through in office hours and forbids deletes after them', () => {
    expect(at('2026-03-02T01:00:00Z', true)).toEqual({ allowed: true, policy: null, error: null }); // 10:00 Tokyo
    expect(at('2026-03-02T11:00:00Z', true)).toMatchObject({ allowed: false, policy: { id: 'pol_1', effect: 'forbid' } }); // 20:00 Tokyo
    expect(at('2026-03-02T11:00:00Z', true, 'workspace:read').allowed).toBe(true); // not a delete
  });

  it('denies without a role grant or a permit', () => {
    expect(at('2026-03-02T01:00:00Z', false)).toEqual({ allowed: false, policy: null, error: null });
  });
});
