import { PlaybookLibrary } from '../runtime/playbook-library.js';
import { registry } from './local-context.js';
import { CliError } from './output.js';
import { toMermaid } from '../playbook/mermaid.js';

/** `soar graph <playbook> --format mermaid`: the steps and edges as a flowchart. */
export async function graphCommand(file: string, options: { format: string }): Promise<number> {
  if (options.format !== 'mermaid')
    throw new CliError(`--format must be mermaid, got '${options.format}'`);
  const { library, id } = await PlaybookLibrary.forFile(file, registry());
  const compiled = await library.get(id);
  process.stdout.write(toMermaid(compiled.playbook));
  return 0;
}
