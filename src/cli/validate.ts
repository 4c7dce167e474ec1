import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { validatePlaybook } from '../playbook/validate.js';
import { formatDiagnostic, type Diagnostic } from '../playbook/diagnostics.js';
import { PlaybookLibrary } from '../runtime/playbook-library.js';
import { printJson } from './output.js';
import { registry } from './local-context.js';

/** `soar validate <path...>`: every playbook in each directory, or the files named. */
export async function validateCommand(
  paths: string[],
  options: { json?: boolean },
): Promise<number> {
  const reg = registry();
  const problems: Diagnostic[] = [];
  let checked = 0;
  for (const path of paths.length > 0 ? paths : ['playbooks']) {
    const info = await stat(path).catch(() => null);
    if (!info) {
      problems.push({
        file: path,
        line: 1,
        col: 1,
        path: '',
        code: 'yaml',
        message: 'no such file or directory',
      });
      continue;
    }
    if (info.isDirectory()) {
      const results = await new PlaybookLibrary(resolve(path), reg).validateAll();
      checked += results.length;
      for (const r of results) problems.push(...r.diagnostics);
    } else {
      checked++;
      const catalog = await new PlaybookLibrary(dirname(resolve(path)), reg).catalog();
      problems.push(...validatePlaybook(path, await readFile(path), reg, catalog).diagnostics);
    }
  }
  if (options.json) printJson({ checked, ok: problems.length === 0, problems });
  else {
    for (const d of problems) process.stderr.write(`${formatDiagnostic(d)}\n`);
    process.stdout.write(
      problems.length === 0
        ? `${checked} playbook(s) valid\n`
        : `${problems.length} problem(s) in ${checked} playbook(s)\n`,
    );
  }
  return problems.length === 0 ? 0 : 1;
}
