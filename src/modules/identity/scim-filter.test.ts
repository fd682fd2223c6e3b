import fc from 'fast-check';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type RawBuilder, type SqlBool } from 'kysely';
import { stringify, type Filter } from 'scim2-parse-filter';
import { describe, expect, it } from 'vitest';
import { ScimError } from './scim-errors.ts';
import { groupAttributes, normalizeAttributePath, scimFilterToSql, userAttributes } from './scim-filter.ts';

const db = new Kysely<object>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const compile = (b: RawBuilder<SqlBool>) => b.compile(db);
const users = (filter: string) => compile(scimFilterToSql(filter, userAttributes));

function scimTypeOf(work: () => unknown): string | null {
  try {
    work();
    return null;
  } catch (error) {
    return error instanceof ScimError ? error.scimType : 'not-a-scim-error';
  }
}

describe('SCIM filter to SQL', () => {
  it('compares userName without regard to case, with the value as a parameter', () => {
    const q = users('userName eq "Alice@Example.com"');
    expect(q.sql).toBe('(lower("u"."user_name") = $1)');
    expect(q.parameters).toEqual(['alice@example.com']);
  });

  it('compares externalId exactly (caseExact)', () => {
    expect(users('externalId eq "AbC"').sql).toBe('("u"."external_id" = $1)');
  });

  it('translates every operator and grouping', () => {
    const r = users('(userName sw "a" or displayName co "b") and not (name.familyName ew "c") and externalId pr and meta.lastModified gt "2026-01-01T00:00:00Z" and userName lt "m"');
    expect(r.sql).toContain('starts_with(lower("u"."user_name"), $1)');
    expect(r.sql).toContain('strpos(lower("u"."display_name"), $2) > 0');
    expect(r.sql).toContain('NOT COALESCE((right(lower("u"."family_name"), 1) = $3), false)');
    expect(r.sql).toContain('"u"."external_id" IS NOT NULL');
    expect(r.sql).toContain('"u"."updated_at" > $4::timestamptz');
    expect(r.parameters).toEqual(['a', 'b', 'c', '2026-01-01T00:00:00.000Z', 'm']);
  });

  it('filters multi-valued attributes with EXISTS, by sub-attribute and by value path', () => {
    expect(users('emails.value eq "a@b.c"').sql).toMatch(/^EXISTS \(SELECT 1 FROM jsonb_array_elements\(u\.emails\) AS e WHERE \(lower\(\(e->>'value'\)\) = \$1\)\)$/);
    expect(users('emails eq "a@b.c"').parameters).toEqual(['a@b.c']);
    const q = users('emails[type eq "work" and value ew "@example.com"]');
    expect(q.sql).toContain("lower((e->>'type')) = $1");
    expect(q.parameters).toEqual(['work', '@example.com']);
    const g = compile(scimFilterToSql('members[value eq "usr_1"]', groupAttributes));
    expect(g.sql).toContain('FROM group_members AS m WHERE m.group_id = g.group_id AND ("m"."user_id" = $1)');
  });

  it('accepts schema-qualified and enterprise attribute names', () => {
    expect(normalizeAttributePath('urn:ietf:params:scim:schemas:core:2.0:User:userName')).toBe('username');
    expect(users('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "R&D"').sql).toBe('(lower("u"."department") = $1)');
    expect(users('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "usr_x"').sql).toBe('("u"."manager_id" = $1)');
  });

  it('takes Entra ID string booleans in filters', () => {
    expect(users('active eq "False"').parameters).toEqual([false]);
  });

  it('refuses what it cannot honour with invalidFilter, never a database error', () => {
    expect(scimTypeOf(() => users('userName eq'))).toBe('invalidFilter');
    expect(scimTypeOf(() => users('password eq "x"'))).toBe('invalidFilter');
    expect(scimTypeOf(() => users('active gt true'))).toBe('invalidFilter');
    expect(scimTypeOf(() => users('active eq "maybe"'))).toBe('invalidFilter');
    expect(scimTypeOf(() => users('meta.created gt "yesterday"'))).toBe('invalidFilter');
    expect(scimTypeOf(() => users('userName[value eq "x"]'))).toBe('invalidFilter');
    expect(scimTypeOf(() => users('emails[type eq "work" and emails[value eq "x"]]'))).toBe('invalidFilter');
  });

  // Any filter over supported attributes compiles, and every value reaches SQL as a parameter.
  it('translates arbitrary filters into parameterised SQL', () => {
    const attr = fc.constantFrom('userName', 'displayName', 'externalId', 'name.givenName', 'emails.value', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter');
    const text = fc.string({ maxLength: 12 }).filter((s) => !/["\\]/.test(s));
    const leaf: fc.Arbitrary<Filter> = fc.oneof(
      fc.record({ op: fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt'), attrPath: attr, compValue: text }) as fc.Arbitrary<Filter>,
      fc.record({ op: fc.constant('pr'), attrPath: attr }) as fc.Arbitrary<Filter>,
      fc.record({ op: fc.constantFrom('eq', 'ne'), attrPath: fc.constant('active'), compValue: fc.boolean() }) as fc.Arbitrary<Filter>,
    );
    const tree = fc.letrec<{ f: Filter }>((tie) => ({
      f: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.record({ op: fc.constantFrom('and', 'or'), filters: fc.array(tie('f'), { minLength: 2, maxLength: 3 }) }) as fc.Arbitrary<Filter>,
        fc.record({ op: fc.constant('not'), filter: tie('f') }) as fc.Arbitrary<Filter>,
      ),
    })).f;
    fc.assert(
      fc.property(tree, (f) => {
        const q = users(stringify(f));
        const placeholders = new Set(q.sql.match(/\$\d+/g) ?? []);
        expect(placeholders.size).toBe(q.parameters.length);
        // The only quoted literals are ours: '' (pr) and the JSON keys of emails.
        expect(q.sql.replace(/''|'(value|type|primary)'/g, '')).not.toContain("'");
      }),
      { numRuns: 300 },
    );
  });
});
