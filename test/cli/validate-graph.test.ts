import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { soar, tempDir, writePlaybook } from './cli-helpers.js';

const repo = join(import.meta.dirname, '..', '..');

describe('soar validate', () => {
  it('passes the shipped playbooks', () => {
    const result = soar(['validate', 'playbooks'], repo);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('prints path:line:col: message for each problem and exits 1', () => {
    const dir = tempDir();
    writePlaybook(
      dir,
      'broken',
      'id: broken\nname: Broken\nstart: first\nsteps:\n  first:\n    uses: core.echo\n    next: secnd\n  second:\n    type: end\n',
    );
    const result = soar(['validate', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${join(dir, 'broken.yaml')}:7:11: step 'first' goes to 'secnd', which is not a step (did you mean 'second'?) (at steps.first.next)`,
    );
  });

  it.each([
    ['malformed YAML', 'id: x\nname: [unclosed\n', /invalid YAML/],
    ['binary garbage', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0xff, 0xfe]), /not a text file/],
    [
      'an alias bomb',
      [
        'a: &a [x,x,x,x,x,x,x,x,x]',
        ...'bcdefghi'
          .split('')
          .map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
      ].join('\n'),
      /refused|alias/i,
    ],
    [
      'a __proto__ key',
      'id: x\nname: X\n__proto__: { polluted: true }\nstart: a\nsteps:\n  a: { type: end }\n',
      /'__proto__' is not allowed/,
    ],
    [
      'a 10 MB file',
      `id: big\nname: Big\n# ${'x'.repeat(10 * 1024 * 1024)}\n`,
      /limit is 1048576 bytes/,
    ],
  ])('rejects %s quickly with a clear message and no stack trace', (_what, content, message) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.yaml'), content);
    const result = soar(['validate', join(dir, 'bad.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.ms).toBeLessThan(5000);
  });

  it('refuses to run an invalid playbook, printing its problems', () => {
    const dir = tempDir();
    const file = writePlaybook(
      dir,
      'bad',
      'id: bad\nname: Bad\nstart: a\nsteps:\n  a:\n    uses: core.nope\n',
    );
    const result = soar(['run', file, '--data-dir', join(dir, 'data')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bad\.yaml:6:11: unknown command 'core\.nope'/);
  });
});

describe('soar graph', () => {
  it('prints a Mermaid flowchart with error and timeout edges', () => {
    const dir = tempDir();
    const file = writePlaybook(
      dir,
      'g',
      `id: g
name: G
start: ask
steps:
  ask:
    type: approval
    prompt: Go?
    options: [go, stop]
    timeout: 1h
    on_timeout: stop
    next: { go: act, stop: stop }
  act:
    uses: core.echo
    on_error: stop
    next: stop
  stop:
    type: end
`,
    );
    const result = soar(['graph', file, '--format', 'mermaid']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        'flowchart TD',
        '  ask -->|"go"| act',
        '  ask -.->|on timeout| stop',
        '  act -.->|on error| stop',
        '  act --> stop',
      ]),
    );
  });
});
