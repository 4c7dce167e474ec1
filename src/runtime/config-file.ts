import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseConfig, type SoarConfig } from '../integration-sdk/config.js';
import { formatDiagnostic, type Diagnostic } from '../playbook/diagnostics.js';

export const DEFAULT_CONFIG_FILE = 'soar.config.yaml';

export class ConfigInvalidError extends Error {
  override readonly name = 'ConfigInvalidError';
  readonly code = 'CONFIG_INVALID';
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
  }
}

/**
 * Reads the instance configuration: the file named (it must exist), else SOAR_CONFIG, else
 * `soar.config.yaml` in the working directory if there is one, else no instances.
 */
export async function loadConfig(
  path?: string,
): Promise<{ file: string | null; config: SoarConfig }> {
  const named = path ?? process.env.SOAR_CONFIG;
  const file = resolve(named ?? DEFAULT_CONFIG_FILE);
  let text: Buffer;
  try {
    text = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !named)
      return { file: null, config: {} };
    throw new ConfigInvalidError([
      {
        file,
        line: 1,
        col: 1,
        path: '',
        code: 'yaml',
        message: `cannot read the config: ${(error as Error).message}`,
      },
    ]);
  }
  const result = parseConfig(file, text);
  if (!result.ok) throw new ConfigInvalidError(result.diagnostics);
  return { file, config: result.config };
}
