import { describe, expect, it } from 'vitest';
import { builtinIntegrations } from '../../integrations/index.js';
import { Registry } from '../../src/integration-sdk/registry.js';
import {
  formatDiagnostic,
  PlaybookInvalidError,
  type Diagnostic,
} from '../../src/playbook/diagnostics.js';
import { validatePlaybook } from '../../src/playbook/validate.js';

const commands = new Registry(builtinIntegrations);

describe('formatDiagnostic', () => {
  const diagnostic: Diagnostic = {
    file: 'playbooks/triage.yaml',
    line: 12,
    col: 11,
    path: 'steps.enrich.next',
    code: 'unknown-target',
    message: "step 'enrich' goes to 'decid', which is not a step (did you mean 'decide'?)",
  };

  it('prints file:line:col: message (at path)', () => {
    expect(formatDiagnostic(diagnostic)).toBe(
      "playbooks/triage.yaml:12:11: step 'enrich' goes to 'decid', which is not a step (did you mean 'decide'?) (at steps.enrich.next)",
    );
  });

  it('leaves out the path for problems of the whole document', () => {
    expect(
      formatDiagnostic({
        ...diagnostic,
        line: 1,
        col: 1,
        path: '',
        code: 'not-text',
        message: 'not a text file',
      }),
    ).toBe('playbooks/triage.yaml:1:1: not a text file');
  });

  it('formats what the validator reports', () => {
    const text =
      'id: demo\nname: Demo\nstart: one\nsteps:\n  one:\n    uses: core.sleep\n    with: { ms: soon }\n';
    const { diagnostics } = validatePlaybook('demo.yaml', text, commands);
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      "demo.yaml:7:17: argument 'ms' of 'core.sleep' must be integer (at steps.one.with.ms)",
    ]);
  });

  it('PlaybookInvalidError lists every diagnostic, one a line', () => {
    const second: Diagnostic = {
      ...diagnostic,
      line: 20,
      col: 3,
      path: 'steps.orphan',
      code: 'unreachable',
      message: "step 'orphan' is unreachable from start 'start'",
    };
    const error = new PlaybookInvalidError([diagnostic, second]);
    expect(error.message.split('\n')).toEqual([
      formatDiagnostic(diagnostic),
      formatDiagnostic(second),
    ]);
    expect(error.diagnostics).toEqual([diagnostic, second]);
    expect(error.code).toBe('PLAYBOOK_INVALID');
  });
});
