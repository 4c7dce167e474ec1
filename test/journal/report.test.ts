import { describe, expect, it } from 'vitest';
import { MemoryJournalStore, parseJournalText, renderReport } from '../../src/journal/index.js';
import type { ReportModel } from '../../src/journal/index.js';
import { draft } from './helpers.js';
import { phishingJournal } from './report-fixture.js';

describe('renderReport json', () => {
  it('structures journal, verification, runs, timeline, artifacts, approvals and outputs', async () => {
    const entries = await phishingJournal();
    const report = JSON.parse(renderReport(entries, 'json')) as ReportModel;
    expect(Object.keys(report)).toEqual([
      'journal',
      'verification',
      'runs',
      'timeline',
      'artifacts',
      'approvals',
      'outputs',
    ]);
    expect(report.journal).toMatchObject({
      id: 'INC-7',
      incidents: ['INC-7'],
      firstAt: entries[0]!.at,
      lastAt: entries[8]!.at,
      entries: 9,
    });
    expect(report.verification).toEqual({ ok: true, count: 9, head: entries[8]!.hash });
    expect(report.runs).toEqual([
      { run: 'run-1', startedAt: entries[1]!.at, finishedAt: entries[8]!.at, status: 'succeeded' },
    ]);
    expect(report.timeline).toHaveLength(9);
    expect(report.timeline[5]).toEqual({
      seq: 6,
      at: entries[5]!.at,
      kind: 'approval.decided',
      step: 'block',
      actor: 'user:alice',
      summary: 'alice chose block',
    });
    expect(report.artifacts).toEqual([
      { type: 'ip', value: '203.0.113.9', labels: ['sender'], seqs: [3, 4] },
      { type: 'domain', value: 'evil.example', labels: [], seqs: [3] },
    ]);
    expect(report.approvals).toEqual([
      expect.objectContaining({
        approval: 'apr-1',
        prompt: 'Block 203.0.113.9 at the firewall?',
        options: ['block', 'ignore'],
        status: 'decided',
        decision: { option: 'block', by: 'alice', at: entries[5]!.at, seq: 6 },
      }),
      expect.objectContaining({
        approval: 'apr-2',
        options: ['Yes'],
        status: 'timed_out',
        decision: null,
      }),
    ]);
    expect(report.outputs).toEqual([
      {
        run: 'run-1',
        seq: 9,
        at: entries[8]!.at,
        status: 'succeeded',
        outputs: { blocked: ['203.0.113.9'], ticket: 'SEC-1' },
      },
    ]);
  });

  it('reports a broken chain instead of claiming it verified', async () => {
    const entries = await phishingJournal();
    const tampered = entries.map((entry) =>
      entry.seq === 4 ? { ...entry, summary: 'nothing to see' } : entry,
    );
    const report = JSON.parse(renderReport(tampered, 'json')) as ReportModel;
    expect(report.verification).toMatchObject({ ok: false, firstBroken: { line: 4, seq: 4 } });
    expect(renderReport(tampered, 'md')).toMatch(
      /BROKEN at line 4: entry seq 4 \(line 4\): hash does not match/,
    );
  });
});

describe('renderReport from a tampered file', () => {
  it('shows the break found in the text, including lines that never became entries', async () => {
    const lines = (await phishingJournal()).map((entry) => JSON.stringify(entry));
    lines[2] = '{"seq":3, truncated';
    const text = lines.map((line) => `${line}\n`).join('');
    const { entries, result } = parseJournalText(text);
    expect(renderReport(entries, 'md')).toContain('BROKEN at line 3');
    const report = JSON.parse(
      renderReport(entries, 'json', { verification: result }),
    ) as ReportModel;
    expect(report.verification).toEqual(result);
    expect(report.timeline).toHaveLength(8);
  });
});

describe('renderReport md', () => {
  it('has the header, timeline, evidence, approvals and outputs', async () => {
    const entries = await phishingJournal();
    const md = renderReport(entries, 'md', { title: 'Phishing INC-7', journal: 'INC-7' });
    expect(md).toMatch(/^# Phishing INC-7\n/);
    expect(md).toContain('| Journal | INC-7 |');
    expect(md).toContain('| Runs | run-1 (succeeded) |');
    expect(md).toContain(`| Chain | verified: 9 entries, head ${entries[8]!.hash} |`);
    expect(md).toContain('## Timeline');
    expect(md).toContain(
      `| 6 | ${entries[5]!.at} | approval.decided | block | user:alice | alice chose block |`,
    );
    expect(md).toContain('| ip | 203.0.113.9 | sender | 3, 4 |');
    expect(md).toContain(
      `| apr-1 | block | Block 203.0.113.9 at the firewall? | block, ignore | ${entries[4]!.at} | decided | block | alice | ${entries[5]!.at} |`,
    );
    expect(md).toContain('| apr-2 | notify | Notify? | Yes |');
    expect(md).toContain('timed out');
    expect(md).toContain('### Run run-1: succeeded (seq 9');
    expect(md).toContain('"ticket": "SEC-1"');
  });

  it('escapes | so a summary cannot break the table, and neutralizes raw HTML', async () => {
    const md = renderReport(await phishingJournal(), 'md');
    expect(md).toContain('Phishing reported \\| by mail');
    expect(md).not.toContain('<script>');
    expect(md).toContain('&lt;script&gt;');
  });

  it('keeps a multi-line summary inside its table row', async () => {
    const [entry] = await new MemoryJournalStore().append('k', [
      draft(1, { summary: 'first line\nsecond line' }),
    ]);
    expect(renderReport([entry!], 'md')).toContain('| first line<br>second line |');
  });
});

describe('renderReport html', () => {
  it('is a standalone document with the same sections', async () => {
    const entries = await phishingJournal();
    const html = renderReport(entries, 'html', { title: 'Phishing INC-7' });
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<style>');
    expect(html).toContain('<title>Phishing INC-7</title>');
    for (const heading of ['Timeline', 'Evidence', 'Approvals', 'Outputs']) {
      expect(html).toContain(`<h2>${heading}</h2>`);
    }
    expect(html).toContain('<td>alice</td>');
    expect(html).toContain(`<td>${entries[5]!.at}</td>`);
    expect(html).toContain('<td>203.0.113.9</td><td>sender</td><td>3, 4</td>');
    expect(html).toContain('&quot;ticket&quot;: &quot;SEC-1&quot;');
    expect(html).toContain(entries[8]!.hash);
  });

  it('renders journal text inert: <script> is escaped', async () => {
    const html = renderReport(await phishingJournal(), 'html', {
      title: '<img src=x onerror=alert(1)>',
    });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
