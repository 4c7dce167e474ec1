import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Incident } from '../../incidents/incident.js';
import type { Playbook } from '../../playbook/schema.js';
import type { ApprovalRecord, RunRecord, RunStore } from './run-store.js';

const SAFE_ID = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * Run state under the data dir: one JSON file per run, approval and incident, and the pinned
 * playbooks by content hash. Each write is atomic (temp file, fsync, rename), so a crash
 * leaves either the old state or the new one.
 */
export class FileRunStore implements RunStore {
  constructor(readonly dataDir: string) {}

  loadRun(id: string) {
    return this.read<RunRecord>('runs', id);
  }
  saveRun(record: RunRecord) {
    return this.write('runs', record.id, record);
  }
  savePlaybook(hash: string, playbook: Playbook) {
    return this.write('playbooks', hash, playbook);
  }
  loadPlaybook(hash: string) {
    return this.read<Playbook>('playbooks', hash);
  }
  saveApproval(record: ApprovalRecord) {
    return this.write('approvals', record.id, record);
  }
  loadApproval(id: string) {
    return this.read<ApprovalRecord>('approvals', id);
  }
  saveIncident(incident: Incident) {
    return this.write('incidents', incident.id, incident);
  }
  loadIncident(id: string) {
    return this.read<Incident>('incidents', id);
  }

  private path(kind: string, id: string): string {
    if (!SAFE_ID.test(id) || id === '.' || id === '..') throw new Error(`invalid id '${id}'`);
    return join(this.dataDir, kind, `${id}.json`);
  }

  private async read<T>(kind: string, id: string): Promise<T | null> {
    try {
      return JSON.parse(await readFile(this.path(kind, id), 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  private async write(kind: string, id: string, value: unknown): Promise<void> {
    const target = this.path(kind, id);
    await mkdir(join(this.dataDir, kind), { recursive: true });
    const temp = `${target}.tmp`;
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify(value));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  }
}
