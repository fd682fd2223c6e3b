import { BarChart } from '@mantine/charts';
import { Group, Paper, SegmentedControl, Text } from '@mantine/core';
import { useAuditTimeline, type AuditBucket, type AuditFilters } from '../api/audit.ts';
import { ProblemAlert } from './ProblemAlert.tsx';

const hourLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

interface AuditTimelineProps {
  orgId: string;
  filters: AuditFilters;
  bucket: AuditBucket;
  onBucketChange: (bucket: AuditBucket) => void;
}

/** Events per hour or day by outcome, for the same filters as the table below it. */
export function AuditTimeline({ orgId, filters, bucket, onBucketChange }: AuditTimelineProps) {
  const timeline = useAuditTimeline(orgId, filters, bucket);
  const label = bucket === 'hour' ? hourLabel : dayLabel;
  const data = (timeline.data?.buckets ?? []).map((b) => ({ ...b, label: label.format(new Date(b.start)) }));
  const total = data.reduce((n, b) => n + b.success + b.denied + b.failed, 0);
  return (
    <Paper p="md" mb="md" data-testid="audit-timeline" data-total={timeline.data ? total : undefined}>
      <Group justify="space-between" mb="xs">
        <Text fw={500} size="sm">
          {timeline.data ? `${total} events, ${bucket === 'hour' ? 'per hour' : 'per day'}` : 'Events over time'}
        </Text>
        <SegmentedControl
          size="xs"
          value={bucket}
          onChange={(v) => onBucketChange(v as AuditBucket)}
          data={[
            { value: 'hour', label: '24 h by hour' },
            { value: 'day', label: '30 d by day' },
          ]}
          data-testid="audit-timeline-bucket"
        />
      </Group>
      {timeline.error ? (
        <ProblemAlert error={timeline.error} />
      ) : (
        <BarChart
          h={160}
          data={data}
          dataKey="label"
          type="stacked"
          withLegend
          legendProps={{ verticalAlign: 'bottom', height: 24 }}
          series={[
            { name: 'success', color: 'teal.6', label: 'Success' },
            { name: 'denied', color: 'orange.6', label: 'Denied' },
            { name: 'failed', color: 'red.6', label: 'Failed' },
          ]}
          tickLine="none"
          gridAxis="y"
        />
      )}
    </Paper>
  );
}
