import { describe, expect, it } from 'vitest';
import { engineWith } from '../helpers/engine.js';

const record = (severity: string, extra: Record<string, unknown> = {}) => ({
  key: 'malop-11.2233',
  type: 'cybereason.malop',
  name: 'Beacon to c2.example.net',
  severity,
  fields: { guid: 'malop-11.2233', ...extra },
});

describe('ingesting vendor records as incidents', () => {
  it('creates once, leaves an identical record alone, and journals a real change once', async () => {
    const env = await engineWith({});
    try {
      const first = await env.engine.ingest('cybereason', record('high'), 'instance:cr');
      const again = await env.engine.ingest('cybereason', record('high'), 'instance:cr');
      const changed = await env.engine.ingest(
        'cybereason',
        record('low', { status: 'Closed' }),
        'instance:cr',
      );
      const repeat = await env.engine.ingest(
        'cybereason',
        record('low', { status: 'Closed' }),
        'instance:cr',
      );
      expect([first.outcome, again.outcome, changed.outcome, repeat.outcome]).toEqual([
        'created',
        'unchanged',
        'updated',
        'unchanged',
      ]);
      expect(new Set([first, again, changed, repeat].map((r) => r.incident.id)).size).toBe(1);
      expect(changed.incident).toMatchObject({
        severity: 'low',
        fields: { status: 'Closed' },
        created_at: first.incident.created_at,
      });
      const kinds = (await env.journal.read(first.incident.id)).map((e) => e.kind);
      expect(kinds).toEqual(['incident.created', 'incident.updated']);
    } finally {
      await env.cleanup();
    }
  });

  it('keeps records of different integrations apart even with the same key', async () => {
    const env = await engineWith({});
    try {
      const a = await env.engine.ingest('cybereason', record('high'), 'instance:a');
      const b = await env.engine.ingest('other', record('high'), 'instance:b');
      expect(a.incident.id).not.toBe(b.incident.id);
      expect(b.outcome).toBe('created');
    } finally {
      await env.cleanup();
    }
  });
});
