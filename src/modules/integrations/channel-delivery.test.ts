import { describe, expect, it } from 'vitest';
import { emailText, slackMessage } from './channel-delivery.ts';
import { slackMessageSchema } from './channel-schemas.ts';

describe('notification message formats', () => {
  it('writes the e-mail body as the text, then aligned label: value lines', () => {
    expect(emailText('Spend reached 80 %.', [{ label: 'Budget', value: 'Finance-BU' }, { label: 'Threshold', value: '80 %' }])).toBe(
      'Spend reached 80 %.\n\nBudget:    Finance-BU\nThreshold: 80 %\n',
    );
    expect(emailText('Just text.', [])).toBe('Just text.\n');
  });

  it('builds a Slack-compatible body: text fallback, header, escaped mrkdwn, fields in sections of at most ten', () => {
    const fields = Array.from({ length: 12 }, (_, i) => ({ label: `k${i}`, value: i === 0 ? '<@here> & co' : `v${i}` }));
    const body = slackMessage('Budget <Finance>', 'over & out', fields);
    expect(slackMessageSchema.parse(body)).toEqual(body);
    expect(body.text).toBe('Budget <Finance>: over & out');
    expect(body.blocks![0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Budget <Finance>' } });
    expect(body.blocks![1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'over &amp; out' } });
    expect(body.blocks![2]!.fields).toHaveLength(10);
    expect(body.blocks![2]!.fields![0]!.text).toBe('*k0*\n&lt;@here&gt; &amp; co');
    expect(body.blocks![3]!.fields).toHaveLength(2);
  });

  it('cuts a long subject to the 150 characters a Slack header takes', () => {
    expect(slackMessage('x'.repeat(400), 't', []).blocks![0]!.text!.text).toHaveLength(150);
  });
});
