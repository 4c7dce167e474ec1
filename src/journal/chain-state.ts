import { chainEntry, GENESIS, JOURNAL_KINDS } from './entry.js';
import type { JournalDraft, JournalEntry } from './entry.js';
import type { Redactor } from './redact.js';

const KNOWN_KINDS: ReadonlySet<string> = new Set(JOURNAL_KINDS);

export class InvalidDraftError extends Error {
  override name = 'InvalidDraftError';
}

/** The head of one journal's chain and the ids it holds: all a store needs to extend it. */
export class ChainState {
  seq = 0;
  head = GENESIS;
  readonly ids = new Set<string>();

  /** For recovery: adopt an entry already stored (and verified). */
  adopt(entry: JournalEntry): void {
    this.seq = entry.seq;
    this.head = entry.hash;
    this.ids.add(entry.id);
  }

  /**
   * Chains the drafts that are new to this journal and advances the head. Every draft is
   * checked and redacted before any is chained, so a bad draft leaves the state untouched.
   */
  extend(drafts: readonly JournalDraft[], redactor: Redactor): JournalEntry[] {
    const fresh: JournalDraft[] = [];
    // Most batches are a handful of entries, where a scan is cheaper than a Set per append.
    const seen = drafts.length > 16 ? new Set<string>() : null;
    const duplicate = (id: string) => (seen ? seen.has(id) : fresh.some((f) => f.id === id));
    for (const draft of drafts) {
      assertDraft(draft);
      if (this.ids.has(draft.id) || duplicate(draft.id)) continue;
      seen?.add(draft.id);
      fresh.push(sanitize(draft, redactor));
    }
    // Chained on local copies first: if hashing one draft throws, the head has not moved.
    let seq = this.seq;
    let head = this.head;
    const entries = fresh.map((draft) => {
      const entry = chainEntry(draft, ++seq, head);
      head = entry.hash;
      return entry;
    });
    for (const entry of entries) this.adopt(entry);
    return entries;
  }
}

/**
 * Redacts, then reduces to plain JSON, so the entry a store hands back hashes exactly
 * like the line it writes (Dates become strings, functions and undefined disappear).
 */
function sanitize(draft: JournalDraft, redactor: Redactor): JournalDraft {
  const { summary, data, artifacts } = redactor.redactJson({
    summary: draft.summary,
    data: draft.data,
    artifacts: draft.artifacts,
  }) as Pick<JournalDraft, 'summary' | 'data' | 'artifacts'>;
  return { ...draft, summary, data, artifacts };
}

function assertDraft(draft: JournalDraft): void {
  const problem =
    typeof draft.id !== 'string' || draft.id.length === 0
      ? 'id must be a non-empty string'
      : typeof draft.at !== 'string'
        ? 'at must be an ISO-8601 string'
        : !KNOWN_KINDS.has(draft.kind)
          ? `unknown kind ${JSON.stringify(draft.kind)}`
          : typeof draft.actor?.id !== 'string'
            ? 'actor must be {kind, id}'
            : typeof draft.summary !== 'string'
              ? 'summary must be a string'
              : null;
  if (problem !== null) {
    throw new InvalidDraftError(`journal draft ${JSON.stringify(draft.id)}: ${problem}`);
  }
}
