import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { canonicalJson } from '../journal/canonical.js';
import type { Registry } from '../integration-sdk/registry.js';
import type { PlaybookCatalog } from '../playbook/catalog.js';
import { compilePlaybook, type CompiledPlaybook } from '../playbook/compile.js';
import type { Diagnostic } from '../playbook/diagnostics.js';
import { PlaybookInvalidError } from '../playbook/diagnostics.js';
import { parsePlaybookText } from '../playbook/source.js';
import type { Playbook } from '../playbook/schema.js';
import { validatePlaybook } from '../playbook/validate.js';

const PLAYBOOK_EXTENSIONS = new Set(['.yaml', '.yml']);

export function playbookHash(playbook: Playbook): string {
  return createHash('sha256').update(canonicalJson(playbook)).digest('hex');
}

/** Loads, validates and compiles the playbooks of one directory; sub-playbooks resolve there. */
export class PlaybookLibrary {
  private readonly compiled = new Map<string, CompiledPlaybook>();
  private texts: Map<string, { file: string; text: Buffer }> | null = null;

  constructor(
    readonly dir: string,
    private readonly registry: Registry,
  ) {}

  static async forFile(
    file: string,
    registry: Registry,
  ): Promise<{ library: PlaybookLibrary; id: string }> {
    const library = new PlaybookLibrary(dirname(resolve(file)), registry);
    const text = await readFile(file);
    const result = validatePlaybook(file, text, registry, await library.catalog());
    if (!result.playbook) throw new PlaybookInvalidError(result.diagnostics);
    library.remember(result.playbook);
    return { library, id: result.playbook.id };
  }

  /** Validates every playbook file in the directory (or one file). */
  async validateAll(): Promise<{ file: string; diagnostics: Diagnostic[] }[]> {
    const catalog = await this.catalog();
    const results = [];
    for (const { file, text } of (await this.files()).values()) {
      results.push({
        file,
        diagnostics: validatePlaybook(file, text, this.registry, catalog).diagnostics,
      });
    }
    return results;
  }

  /** Whether a playbook file with this id exists (valid or not). */
  async has(id: string): Promise<boolean> {
    return (await this.files()).has(id);
  }

  async get(id: string): Promise<CompiledPlaybook> {
    const cached = this.compiled.get(id);
    if (cached) return cached;
    const entry = (await this.files()).get(id);
    if (!entry) throw new Error(`no playbook with id '${id}' in ${this.dir}`);
    const result = validatePlaybook(entry.file, entry.text, this.registry, await this.catalog());
    if (!result.playbook) throw new PlaybookInvalidError(result.diagnostics);
    return this.remember(result.playbook);
  }

  remember(playbook: Playbook): CompiledPlaybook {
    const compiled = compilePlaybook(playbook, playbookHash(playbook));
    this.compiled.set(playbook.id, compiled);
    return compiled;
  }

  /** Ids of the playbooks whose `trigger.incident_types` names this incident type. */
  async playbooksFor(incidentType: string): Promise<string[]> {
    return (await this.triggers())
      .filter((t) => Array.isArray(t.trigger?.incident_types))
      .filter((t) => (t.trigger!.incident_types as unknown[]).includes(incidentType))
      .map((t) => t.id);
  }

  /** The playbooks with a `trigger.schedule`, and their cron expressions. */
  async scheduled(): Promise<{ id: string; schedule: string }[]> {
    return (await this.triggers()).flatMap(({ id, trigger }) =>
      typeof trigger?.schedule === 'string' ? [{ id, schedule: trigger.schedule }] : [],
    );
  }

  /** Each playbook's trigger as written (validation happens when a playbook is used). */
  private async triggers(): Promise<
    { id: string; trigger: Record<string, unknown> | undefined }[]
  > {
    const found = [];
    for (const [id, { file, text }] of await this.files()) {
      const parsed = parsePlaybookText(file, text);
      const value = parsed.ok
        ? (parsed.source.value as { trigger?: Record<string, unknown> } | null)
        : null;
      found.push({ id, trigger: value?.trigger });
    }
    return found;
  }

  async catalog(): Promise<PlaybookCatalog> {
    const files = await this.files();
    const inputs = new Map<string, Record<string, { required?: boolean; default?: unknown }>>();
    for (const [id, { file, text }] of files) {
      const parsed = parsePlaybookText(file, text);
      const value = parsed.ok
        ? (parsed.source.value as {
            inputs?: Record<string, { required?: boolean; default?: unknown }>;
          })
        : null;
      inputs.set(id, value?.inputs ?? {});
    }
    return { inputsOf: (id) => inputs.get(id) };
  }

  /** Playbook files by id (the id inside the file; the file name when it has none). */
  private async files(): Promise<Map<string, { file: string; text: Buffer }>> {
    if (this.texts) return this.texts;
    const texts = new Map<string, { file: string; text: Buffer }>();
    const names = (await readdir(this.dir))
      .filter((n) => PLAYBOOK_EXTENSIONS.has(extname(n)))
      .sort();
    for (const name of names) {
      const file = join(this.dir, name);
      if (!(await stat(file)).isFile()) continue;
      const text = await readFile(file);
      const parsed = parsePlaybookText(file, text);
      const declared = parsed.ok ? (parsed.source.value as { id?: unknown } | null)?.id : undefined;
      const id = typeof declared === 'string' ? declared : basename(name, extname(name));
      texts.set(id, { file, text });
    }
    this.texts = texts;
    return texts;
  }
}
