import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { allocateFocusLines, exportTagKeys, formatMicros, FocusFormatError, parseFocusCsv, parseMicros, writeFocusCsv, type FocusExportRow, type TagRule } from './focus.ts';

/** The FOCUS 1.0 column set, in the specification's (alphabetical) order, plus one provider extension column. */
const focusColumns = [
  'AvailabilityZone', 'BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart',
  'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargeFrequency', 'ChargePeriodEnd', 'ChargePeriodStart', 'CommitmentDiscountCategory',
  'CommitmentDiscountId', 'CommitmentDiscountName', 'CommitmentDiscountStatus', 'CommitmentDiscountType', 'ConsumedQuantity', 'ConsumedUnit',
  'ContractedCost', 'ContractedUnitPrice', 'EffectiveCost', 'InvoiceIssuerName', 'ListCost', 'ListUnitPrice', 'PricingCategory', 'PricingQuantity',
  'PricingUnit', 'ProviderName', 'PublisherName', 'RegionId', 'RegionName', 'ResourceId', 'ResourceName', 'ResourceType', 'ServiceCategory',
  'ServiceName', 'SkuId', 'SkuPriceId', 'SubAccountId', 'SubAccountName', 'Tags', 'x_UsageType',
];

type Row = Partial<Record<string, string>>;

const base: Row = {
  BillingAccountId: '111122223333', BillingAccountName: 'ACME payer', BillingCurrency: 'USD',
  BillingPeriodStart: '2026-11-01T00:00:00Z', BillingPeriodEnd: '2026-12-01T00:00:00Z',
  ChargePeriodStart: '2026-11-03T00:00:00Z', ChargePeriodEnd: '2026-11-04T00:00:00Z',
  ChargeCategory: 'Usage', ChargeFrequency: 'Usage-Based', InvoiceIssuerName: 'AWS', ProviderName: 'AWS', PublisherName: 'AWS',
  PricingCategory: 'Standard', SubAccountId: '444455556666', SubAccountName: 'acme-prod',
};

/** One line per charge, shaped like an AWS FOCUS 1.0 export: decimals beyond the cent, JSON tags, a credit and a tax line. */
const charges: Row[] = [
  { ServiceName: 'Amazon Elastic Compute Cloud', ServiceCategory: 'Compute', RegionId: 'eu-central-1', RegionName: 'Europe (Frankfurt)', AvailabilityZone: 'eu-central-1a',
    ResourceId: 'i-0a1b2c3d4e5f60001', ResourceName: 'finance-batch-1', ResourceType: 'Instance', SkuId: 'JRTCKXETXF', ConsumedQuantity: '24', ConsumedUnit: 'Hours',
    PricingQuantity: '24', PricingUnit: 'Hours', ListUnitPrice: '0.1920000000', ContractedUnitPrice: '0.1920000000',
    ListCost: '4.6080000000', ContractedCost: '4.6080000000', BilledCost: '4.6080000000', EffectiveCost: '3.1234567891',
    CommitmentDiscountCategory: 'Spend', CommitmentDiscountId: 'arn:aws:savingsplans::111122223333:savingsplan/sp-1', CommitmentDiscountType: 'Compute Savings Plan', CommitmentDiscountStatus: 'Used',
    Tags: '{"bu":"finance","team":"payroll","env":"prod"}', x_UsageType: 'EUC1-BoxUsage:m6i.xlarge' },
  { ServiceName: 'Amazon Simple Storage Service', ServiceCategory: 'Storage', RegionId: 'eu-central-1', ResourceId: 'arn:aws:s3:::acme-finance-reports', ResourceName: 'acme-finance-reports', ResourceType: 'Bucket',
    SkuId: 'WP9ANXZGBYYSGJEA', ConsumedQuantity: '152.3374981284', ConsumedUnit: 'GB-Mo',
    ListCost: '3.5027624576', ContractedCost: '3.5027624576', BilledCost: '3.5027624576', EffectiveCost: '3.5027624576', Tags: '{"bu":"finance","team":"reporting"}' },
  { ServiceName: 'Amazon Elastic Kubernetes Service', ServiceCategory: 'Compute', RegionId: 'us-east-1', ResourceId: 'arn:aws:eks:us-east-1:444455556666:cluster/shop', ResourceName: 'shop', ResourceType: 'Cluster',
    SkuId: 'EKS-Cluster', ConsumedQuantity: '24', ConsumedUnit: 'Hours', ListCost: '2.4', ContractedCost: '2.4', BilledCost: '2.4', EffectiveCost: '2.4', Tags: '{"bu":"retail-eu","env":"prod"}' },
  { ServiceName: 'Amazon Relational Database Service', ServiceCategory: 'Databases', RegionId: 'us-east-1', ResourceId: 'arn:aws:rds:us-east-1:444455556666:db:shop-staging', ResourceName: 'shop-staging', ResourceType: 'DB Instance',
    SkuId: 'RDS-PG-M6G', ConsumedQuantity: '24', ConsumedUnit: 'Hours', ListCost: '3.9360000000', ContractedCost: '3.9360000000', BilledCost: '3.9360000000', EffectiveCost: '3.9360000000', Tags: '{"bu":"retail-us","env":"staging"}' },
  { ServiceName: 'Amazon CloudWatch', ServiceCategory: 'Management and Governance', RegionId: 'eu-central-1', ResourceId: 'arn:aws:logs:eu-central-1:444455556666:log-group:/shared', ResourceType: 'Log Group',
    SkuId: 'CW-Logs', ConsumedQuantity: '10.5', ConsumedUnit: 'GB', ListCost: '5.565', ContractedCost: '5.565', BilledCost: '5.565', EffectiveCost: '5.565', Tags: '' },
  { ServiceName: 'Amazon Elastic Compute Cloud', ServiceCategory: 'Compute', ChargeCategory: 'Credit', ChargeDescription: 'Promotional credit', ChargeFrequency: 'One-Time',
    ListCost: '0', ContractedCost: '0', BilledCost: '-1.0000005', EffectiveCost: '-1.0000005', Tags: '{"bu":"finance"}' },
  { ServiceName: 'Tax', ServiceCategory: 'Other', ChargeCategory: 'Tax', ChargeDescription: 'VAT 19%', ChargeFrequency: 'One-Time',
    ListCost: '0', ContractedCost: '0', BilledCost: '4.1800000000', EffectiveCost: '4.1800000000' },
];

function billCsv(rows: Row[], columns = focusColumns): string {
  return stringify(rows.map((r) => columns.map((c) => ({ ...base, ...r })[c] ?? '')), { header: true, columns });
}

const rules: TagRule[] = [
  { tagKey: 'bu', value: 'finance', workspaceId: 'ws_finance', projectId: null },
  { tagKey: 'bu', pattern: 'retail-(eu|us)', workspaceId: 'ws_retail', projectId: 'prj_shop' },
  { tagKey: 'env', value: 'staging', workspaceId: 'ws_never_reached' },
];

describe('money from decimal strings', () => {
  it('parses exactly into micro-units, half to even beyond six decimals, exponents included', () => {
    expect(parseMicros('4.6080000000')).toBe(4_608_000n);
    expect(parseMicros('3.1234567891')).toBe(3_123_457n);
    expect(parseMicros('0.0000005')).toBe(0n);
    expect(parseMicros('0.0000015')).toBe(2n);
    expect(parseMicros('-1.0000005')).toBe(-1_000_000n);
    expect(parseMicros('-1.00000051')).toBe(-1_000_001n);
    expect(parseMicros('1.2E-5')).toBe(12n);
    expect(parseMicros('12345678901234.567891')).toBe(12_345_678_901_234_567_891n);
    expect(parseMicros('.5')).toBe(500_000n);
    expect(parseMicros('7')).toBe(7_000_000n);
    for (const bad of ['', '1,5', 'abc', '1.2.3', '--1', 'NaN', '1e']) expect(() => parseMicros(bad)).toThrow(RangeError);
  });

  it('formats micro-units back to the shortest exact decimal', () => {
    expect(formatMicros(4_608_000n)).toBe('4.608');
    expect(formatMicros(-1n)).toBe('-0.000001');
    expect(formatMicros(0n)).toBe('0');
    expect(formatMicros(12_345_678_901_234_567_891n)).toBe('12345678901234.567891');
    for (const micros of [1n, -999_999n, 1_000_000n, 123_456_789n]) expect(parseMicros(formatMicros(micros))).toBe(micros);
  });
});

describe('parseFocusCsv', () => {
  it('reads a FOCUS 1.0 bill: every column typed, totals exact', () => {
    const bill = parseFocusCsv(billCsv(charges));
    expect(bill.currency).toBe('USD');
    expect(bill.lines).toHaveLength(7);
    expect(bill.lines[0]).toMatchObject({
      line: 2, billedCostMicros: 4_608_000n, effectiveCostMicros: 3_123_457n, listCostMicros: 4_608_000n, contractedCostMicros: 4_608_000n,
      chargePeriodStart: '2026-11-03T00:00:00.000Z', billingPeriodEnd: '2026-12-01T00:00:00.000Z', chargeCategory: 'Usage',
      serviceName: 'Amazon Elastic Compute Cloud', serviceCategory: 'Compute', providerName: 'AWS', regionId: 'eu-central-1',
      resourceId: 'i-0a1b2c3d4e5f60001', resourceName: 'finance-batch-1', resourceType: 'Instance', skuId: 'JRTCKXETXF',
      consumedQuantity: '24', consumedUnit: 'Hours', tags: { bu: 'finance', team: 'payroll', env: 'prod' }, extensions: { x_UsageType: 'EUC1-BoxUsage:m6i.xlarge' },
    });
    expect(bill.lines[4]).toMatchObject({ tags: {}, resourceName: null });
    expect(bill.lines[6]).toMatchObject({ chargeCategory: 'Tax', regionId: null, resourceId: null });
    // 4.608 + 3.502762 + 2.4 + 3.936 + 5.565 − 1.000000 + 4.18 (each rounded to the micro-unit first)
    expect(bill.billedTotalMicros).toBe(23_191_762n);
    expect(bill.effectiveTotalMicros).toBe(21_707_219n);
  });

  it('takes ServiceProviderName (FOCUS 1.2) in place of ProviderName', () => {
    const columns = focusColumns.map((c) => (c === 'ProviderName' ? 'ServiceProviderName' : c));
    const bill = parseFocusCsv(billCsv([{ ...charges[2], ServiceProviderName: 'Amazon Web Services' }], columns));
    expect(bill.lines[0]!.providerName).toBe('Amazon Web Services');
  });

  it('names every missing required column', () => {
    const columns = focusColumns.filter((c) => c !== 'EffectiveCost' && c !== 'ChargePeriodEnd' && c !== 'ProviderName');
    const error = (() => {
      try {
        parseFocusCsv(billCsv(charges, columns));
      } catch (e) {
        return e as FocusFormatError;
      }
    })()!;
    expect(error).toBeInstanceOf(FocusFormatError);
    expect(error.issues.map((i) => i.column)).toEqual(['EffectiveCost', 'ChargePeriodEnd', 'ServiceProviderName (or ProviderName)']);
    expect(error.message).toBe('line 1, column EffectiveCost: is a required FOCUS column and is missing from the header (and 2 more problems)');
  });

  it('names the line and column of each bad cell and imports nothing', () => {
    const bad = [
      charges[0]!,
      { ...charges[1], BilledCost: '3,50' },
      { ...charges[2], ChargePeriodStart: '2026-11-03', Tags: '["bu"]' },
      { ...charges[3], ChargeCategory: 'Refund', BillingCurrency: 'usd' },
      { ...charges[4], ServiceName: '' },
    ];
    expect(() => parseFocusCsv(billCsv(bad))).toThrow(FocusFormatError);
    try {
      parseFocusCsv(billCsv(bad));
    } catch (e) {
      expect((e as FocusFormatError).issues).toEqual([
        { line: 3, column: 'BilledCost', message: '"3,50" is not a decimal amount' },
        { line: 4, column: 'ChargePeriodStart', message: expect.stringContaining('is not an ISO 8601 date-time') },
        { line: 4, column: 'Tags', message: 'is not a JSON object of tag keys to values' },
        { line: 5, column: 'BillingCurrency', message: expect.stringContaining('ISO 4217') },
        { line: 5, column: 'ChargeCategory', message: expect.stringContaining('"Refund" is not one of Usage, Purchase, Tax, Credit, Adjustment') },
        { line: 6, column: 'ServiceName', message: 'is empty; FOCUS requires a value' },
      ]);
    }
  });

  it('counts lines across quoted line breaks and refuses mixed currencies', () => {
    const csv = billCsv([{ ...charges[5], ChargeDescription: 'Promotional\ncredit' }, { ...charges[2], BillingCurrency: 'EUR' }]);
    try {
      parseFocusCsv(csv);
      expect.unreachable();
    } catch (e) {
      expect((e as FocusFormatError).issues).toEqual([{ line: 4, column: 'BillingCurrency', message: 'is EUR where earlier lines are USD; import one currency per bill' }]);
    }
  });

  it('reads an empty bill (header only) as no lines', () => {
    expect(parseFocusCsv(billCsv([]))).toEqual({ lines: [], currency: null, billedTotalMicros: 0n, effectiveTotalMicros: 0n });
  });
});

describe('allocateFocusLines', () => {
  it('maps tags to workspaces and projects, first rule wins, and keeps the unallocated remainder visible', () => {
    const allocation = allocateFocusLines(parseFocusCsv(billCsv(charges)), rules);
    expect(allocation.allocated.map((a) => [a.line, a.workspaceId, a.projectId, a.rule])).toEqual([
      [2, 'ws_finance', null, 0],
      [3, 'ws_finance', null, 0],
      [4, 'ws_retail', 'prj_shop', 1],
      // env=staging would match rule 2, but bu=retail-us matched rule 1 first.
      [5, 'ws_retail', 'prj_shop', 1],
      [7, 'ws_finance', null, 0],
    ]);
    expect(allocation.byTarget).toEqual([
      { workspaceId: 'ws_finance', projectId: null, costMicros: 3_123_457n + 3_502_762n - 1_000_000n, lines: 3 },
      { workspaceId: 'ws_retail', projectId: 'prj_shop', costMicros: 2_400_000n + 3_936_000n, lines: 2 },
    ]);
    // CloudWatch (no tags) and the tax line.
    expect(allocation.unallocated).toEqual({ costMicros: 5_565_000n + 4_180_000n, lines: [6, 8] });
    const parts = allocation.byTarget.reduce((s, t) => s + t.costMicros, 0n) + allocation.unallocated.costMicros;
    expect(parts).toBe(allocation.totalMicros);
    expect(allocation.totalMicros).toBe(21_707_219n);
  });

  it('allocates billed cost when asked, and everything is unallocated without rules', () => {
    const bill = parseFocusCsv(billCsv(charges));
    expect(allocateFocusLines(bill, rules, 'BilledCost').byTarget[0]!.costMicros).toBe(4_608_000n + 3_502_762n - 1_000_000n);
    const none = allocateFocusLines(bill, []);
    expect(none.unallocated.costMicros).toBe(bill.effectiveTotalMicros);
    expect(none.allocated).toEqual([]);
  });

  it('anchors patterns, matches a key with any value when neither value nor pattern is given, and refuses a broken regex', () => {
    const bill = parseFocusCsv(billCsv([{ ...charges[2], Tags: '{"bu":"preretail-eu"}' }, { ...charges[2], Tags: '{"team":"x"}' }]));
    const allocation = allocateFocusLines(bill, [{ tagKey: 'bu', pattern: 'retail-(eu|us)', workspaceId: 'ws_retail' }, { tagKey: 'team', workspaceId: 'ws_teams' }]);
    expect(allocation.allocated.map((a) => a.workspaceId)).toEqual(['ws_teams']);
    expect(allocation.unallocated.lines).toEqual([2]);
    expect(() => allocateFocusLines(bill, [{ tagKey: 'bu', pattern: '(', workspaceId: 'ws' }])).toThrow(/rule 0/);
  });
});

describe('writeFocusCsv', () => {
  const rows: FocusExportRow[] = [
    { billingPeriodStart: '2026-11-01T00:00:00Z', billingPeriodEnd: '2026-12-01T00:00:00Z', chargePeriodStart: '2026-11-01T00:00:00Z', chargePeriodEnd: '2026-12-01T00:00:00Z',
      costMicros: 1_234_567_891n, listCostMicros: 1_300_000_000n, currency: 'EUR', serviceName: 'Kubernetes compute', consumedQuantity: '7200.5', consumedUnit: 'vCPU-Hours',
      workspaceId: 'ws_finance', workspaceName: 'Finance BU', projectId: 'prj_payroll', projectName: 'Payroll', labels: { 'cost-center': 'CC-4711' } },
    { billingPeriodStart: '2026-11-01T00:00:00Z', billingPeriodEnd: '2026-12-01T00:00:00Z', chargePeriodStart: '2026-11-01T00:00:00Z', chargePeriodEnd: '2026-12-01T00:00:00Z',
      costMicros: 1n, currency: 'EUR', serviceName: 'Idle capacity, "shared"', serviceCategory: 'Compute', workspaceId: 'ws_retail', workspaceName: 'Retail' },
    { billingPeriodStart: '2026-11-01T00:00:00Z', billingPeriodEnd: '2026-12-01T00:00:00Z', chargePeriodStart: '2026-11-01T00:00:00Z', chargePeriodEnd: '2026-12-01T00:00:00Z',
      costMicros: 99_000_000n, currency: 'EUR', serviceName: 'Unallocated', workspaceId: null },
  ];

  it('round-trips: the export parses as FOCUS, costs exact, workspace and project back through tag rules', () => {
    const csv = writeFocusCsv(rows, { id: 'org_acme', name: 'ACME' });
    expect(csv.split('\r\n')[0]).toContain('BilledCost,EffectiveCost,ListCost,ContractedCost');
    const bill = parseFocusCsv(csv);
    expect(bill.lines.map((l) => l.effectiveCostMicros)).toEqual([1_234_567_891n, 1n, 99_000_000n]);
    expect(bill.lines[0]).toMatchObject({
      billedCostMicros: 1_234_567_891n, listCostMicros: 1_300_000_000n, currency: 'EUR', providerName: 'Hexaplane', serviceName: 'Kubernetes compute',
      consumedQuantity: '7200.5', subAccountId: 'ws_finance', subAccountName: 'Finance BU',
      tags: { 'cost-center': 'CC-4711', [exportTagKeys.workspaceId]: 'ws_finance', [exportTagKeys.workspace]: 'Finance BU', [exportTagKeys.projectId]: 'prj_payroll', [exportTagKeys.project]: 'Payroll' },
    });
    expect(bill.lines[1]!.serviceName).toBe('Idle capacity, "shared"');
    expect(bill.effectiveTotalMicros).toBe(1_333_567_892n);

    const back = allocateFocusLines(bill, [
      { tagKey: exportTagKeys.workspaceId, value: 'ws_finance', workspaceId: 'ws_finance', projectId: 'prj_payroll' },
      { tagKey: exportTagKeys.workspaceId, value: 'ws_retail', workspaceId: 'ws_retail' },
    ]);
    expect(back.byTarget).toEqual([
      { workspaceId: 'ws_finance', projectId: 'prj_payroll', costMicros: 1_234_567_891n, lines: 1 },
      { workspaceId: 'ws_retail', projectId: null, costMicros: 1n, lines: 1 },
    ]);
    expect(back.unallocated).toEqual({ costMicros: 99_000_000n, lines: [4] });
  });
});
