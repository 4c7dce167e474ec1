import { fileURLToPath } from 'node:url';
import { DemoFolderError, runDemo } from '../demo/demo.js';
import { CliError, printJson } from './output.js';

/** The playbooks shipped with the engine (dist/src/cli → the package root). */
export const SHIPPED_PLAYBOOKS = fileURLToPath(new URL('../../../playbooks', import.meta.url));

/** `soar demo`: fetch a simulated malop, triage it against the simulators, verify the journal. */
export async function demoCommand(options: {
  dataDir: string;
  playbooks: string;
  json?: boolean;
}): Promise<number> {
  const result = await runDemo({
    dataDir: options.dataDir,
    playbooks: options.playbooks,
    // With --json the narrative goes to stderr, so stdout stays one JSON object.
    write: (text) => (options.json ? process.stderr : process.stdout).write(text),
  }).catch((error: unknown) => {
    throw error instanceof DemoFolderError ? new CliError(error.message) : error;
  });
  if (options.json) printJson(result);
  return result.status === 'completed' && result.verified ? 0 : 1;
}
