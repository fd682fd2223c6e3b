import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  amrProvesMfa,
  defaultClaimNames,
  diffGrants,
  emailDomain,
  grantKey,
  grantsFor,
  normalizeDomain,
  readClaims,
  txtProves,
  verificationRecord,
  type Mapping,
} from './sso-claims.ts';

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
const tld = fc.stringMatching(/^[a-z]{2,10}$/);
const domain = fc.tuple(fc.array(label, { minLength: 1, maxLength: 3 }), tld).map(([labels, t]) => [...labels, t].join('.'));

describe('normalizeDomain', () => {
  it('accepts host names in any case, with a trailing dot, and is idempotent', () => {
    fc.assert(
      fc.property(domain, fc.boolean(), fc.boolean(), (d, upper, dot) => {
        const input = `${upper ? d.toUpperCase() : d}${dot ? '.' : ''}`;
        expect(normalizeDomain(input)).toBe(d);
        expect(normalizeDomain(normalizeDomain(input)!)).toBe(d);
      }),
    );
  });

  it('refuses what is not a domain', () => {
    for (const bad of ['', 'localhost', 'exa mple.com', '-a.com', 'a-.com', '192.168.1.1', 'a..com', 'x'.repeat(64) + '.com', 'http://a.com', 'a.com/x', 'a@b.com']) {
      expect(normalizeDomain(bad), bad).toBeNull();
    }
  });

  it('turns international names into punycode', () => {
    expect(normalizeDomain('Bücher.example')).toBe('xn--bcher-kva.example');
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.string(), (s) => void normalizeDomain(s)));
  });
});

describe('emailDomain', () => {
  it('is the normalized part after the last @', () => {
    fc.assert(fc.property(fc.stringMatching(/^[a-z0-9._+-]{1,20}$/), domain, (local, d) => {
      expect(emailDomain(`${local}@${d.toUpperCase()}`)).toBe(d);
    }));
    expect(emailDomain('no-at-sign')).toBeNull();
    expect(emailDomain('trailing@')).toBeNull();
  });
});

describe('TXT proof', () => {
  it('matches the whole record, also when split into 255-byte chunks', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{10,300}$/), fc.integer({ min: 1, max: 255 }), (token, size) => {
        const record = verificationRecord(token);
        const chunks = record.match(new RegExp(`.{1,${size}}`, 'g'))!;
        expect(txtProves([['v=spf1 -all'], chunks], token)).toBe(true);
        expect(txtProves([[record.slice(0, -1)]], token)).toBe(false);
      }),
    );
  });
});

describe('readClaims', () => {
  it('reads through the configured claim names', () => {
    const names = { ...defaultClaimNames, email: 'upn', groups: 'roles', costCenter: 'cc' };
    const c = readClaims({ sub: 's1', upn: 'Ann@Acme.Test', roles: 'admins', cc: 4711, department: ' R&D ' }, names);
    expect(c).toMatchObject({ subject: 's1', email: 'ann@acme.test', groups: ['admins'], costCenter: '4711', department: 'R&D', groupsOverage: false });
  });

  it('recognizes Entra ID group overage (_claim_names or hasgroups)', () => {
    expect(readClaims({ sub: 'x', _claim_names: { groups: 'src1' } }, defaultClaimNames)).toMatchObject({ groups: null, groupsOverage: true });
    expect(readClaims({ sub: 'x', hasgroups: true }, defaultClaimNames).groupsOverage).toBe(true);
    expect(readClaims({ sub: 'x', groups: ['a'], hasgroups: true }, defaultClaimNames).groupsOverage).toBe(false);
  });
});

describe('amrProvesMfa', () => {
  it('is true for mfa, otp, hwk and friends only', () => {
    expect(amrProvesMfa(['pwd', 'mfa'])).toBe(true);
    expect(amrProvesMfa(['otp'])).toBe(true);
    expect(amrProvesMfa(['hwk'])).toBe(true);
    expect(amrProvesMfa(['pwd'])).toBe(false);
    expect(amrProvesMfa('mfa')).toBe(false);
    expect(amrProvesMfa(undefined)).toBe(false);
  });
});

const mapping = fc.record({
  claim: fc.constantFrom('groups' as const, 'department' as const, 'costCenter' as const),
  value: fc.constantFrom('eng', 'ops', 'Finance', '42'),
  roleId: fc.constantFrom('org-member', 'workspace-viewer', 'workspace-developer'),
  scope: fc.record({ type: fc.constantFrom('organization' as const, 'workspace' as const), id: fc.constantFrom('org_a', 'ws_1', 'ws_2') }),
}) as fc.Arbitrary<Mapping>;
const claims = fc.record({
  groups: fc.option(fc.subarray(['eng', 'ops', 'sales']), { nil: null }),
  department: fc.option(fc.constantFrom('finance', 'FINANCE', 'legal'), { nil: null }),
  costCenter: fc.option(fc.constantFrom('42', '43'), { nil: null }),
});

describe('grantsFor and diffGrants', () => {
  it('grants exactly what a matching mapping names, each once', () => {
    fc.assert(
      fc.property(fc.array(mapping, { maxLength: 12 }), claims, (mappings, c) => {
        const grants = grantsFor(mappings, c);
        const keys = grants.map(grantKey);
        expect(new Set(keys).size).toBe(keys.length);
        for (const m of mappings) {
          const matches = m.claim === 'groups' ? (c.groups ?? []).includes(m.value) : c[m.claim]?.toLowerCase() === m.value.toLowerCase();
          if (matches) expect(keys).toContain(grantKey(m));
        }
        for (const g of grants) expect(mappings.some((m) => grantKey(m) === grantKey(g))).toBe(true);
      }),
    );
  });

  it('takes the current grants to the desired ones, touching nothing else', () => {
    const grant = mapping.map((m) => ({ roleId: m.roleId, scope: m.scope }));
    fc.assert(
      fc.property(fc.uniqueArray(grant, { selector: grantKey }), fc.uniqueArray(grant, { selector: grantKey }), (current, desired) => {
        const { add, remove } = diffGrants(current, desired);
        const after = new Set(current.map(grantKey));
        for (const g of remove) after.delete(grantKey(g));
        for (const g of add) after.add(grantKey(g));
        expect([...after].sort()).toEqual(desired.map(grantKey).sort());
        expect(add.every((g) => !current.some((c) => grantKey(c) === grantKey(g)))).toBe(true);
      }),
    );
  });
});
