import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Incident } from '../../incidents/incident.js';
import type { Playbook } from '../../playbook/schema.js';
import type {
  ApprovalRecord,
  RunLogEntry,
  RunRecord,
  RunStore,
  ScheduleState,
} from '../run-store.js';

const SAFE_ID = /^[A-Za-z0-9._-]{1,200}$/;

/** A checkpoint every this many events bounds how much a load has to replay. */
export const DEFAULT_CHECKPOINT_EVERY = 64;

/**
 * Run state under the data dir: one JSON file per run, approval and incident, and the pinned
 * playbooks by content hash. Each file write is atomic (temp file, fsync, rename), so a crash
 * leaves either the old state or the new one.
 *
 * A run's state grows with every step's output, so rewriting it after each event would cost
 * O(steps) per step. Instead each event is appended (and fsync'd) to `runs/<id>.log`; the
 * whole record is written as a checkpoint every `checkpointEvery` events, and whenever the run
 * stops to wait or ends, after which the log starts over.
 */
export class FileRunStore implements RunStore {
  constructor(
    readonly dataDir: string,
    private readonly checkpointEvery = DEFAULT_CHECKPOINT_EVERY,
  ) {}

  loadRun(id: string) {
    return this.read<RunRecord>('runs', id);
  }

  async loadTail(id: string): Promise<RunLogEntry[]> {
    const checkpoint = await this.loadRun(id);
    let text: string;
    try {
      text = await readFile(this.logPath(id), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: RunLogEntry[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        entries.push(JSON.parse(line) as RunLogEntry);
      } catch {
        break; // a torn last line: that event was never acknowledged
      }
    }
    // Entries up to the checkpoint are in it already (a crash can leave them behind).
    return entries.filter((e) => e.version > (checkpoint?.version ?? 0));
  }

  async saveRun(record: RunRecord, entry?: RunLogEntry): Promise<void> {
    const settled = record.status !== 'running';
    if (entry && !settled && record.version % this.checkpointEvery !== 0) {
      await this.append(record.id, entry);
      return;
    }
    await this.write('runs', record.id, record);
    await rm(this.logPath(record.id), { force: true });
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

  async loadWatermark(instance: string): Promise<string | null> {
    return (await this.read<{ watermark: string }>('watermarks', instance))?.watermark ?? null;
  }
  saveWatermark(instance: string, watermark: string): Promise<void> {
    return this.write('watermarks', instance, { instance, watermark });
  }

  loadScheduleState(key: string): Promise<ScheduleState | null> {
    return this.read<ScheduleState>('schedules', key);
  }
  saveScheduleState(state: ScheduleState): Promise<void> {
    return this.write('schedules', state.key, state);
  }

  private logPath(id: string): string {
    return this.path('runs', id).replace(/\.json$/, '.log');
  }

  private async append(id: string, entry: RunLogEntry): Promise<void> {
    const handle = await open(this.logPath(id), 'a');
    try {
      await handle.write(`${JSON.stringify(entry)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
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
