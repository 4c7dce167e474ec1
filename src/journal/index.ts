export { GENESIS, JOURNAL_KINDS, chainEntry, hashEntry } from './entry.js';
export type {
  Actor,
  ActorKind,
  Artifact,
  ArtifactType,
  JournalDraft,
  JournalEntry,
  JournalKind,
} from './entry.js';
export { CanonicalJsonError, canonicalJson } from './canonical.js';
export { CIRCULAR, REDACTED, createRedactor } from './redact.js';
export type { Redactor, RedactorOptions } from './redact.js';
export { isCredentialKey, isCredentialQueryParam } from './credential-names.js';
export { JournalStoreClosedError } from './store.js';
export type { JournalStore, JournalStoreOptions } from './store.js';
export { InvalidDraftError } from './chain-state.js';
export { InvalidJournalKeyError, assertJournalKey, isJournalKey } from './journal-key.js';
export { MemoryJournalStore } from './memory-store.js';
export { FileJournalStore, journalPath } from './file-store.js';
export { RedisJournalStore } from './redis-store.js';
export type { FileJournalStoreOptions } from './file-store.js';
export { nodeJournalFileSystem } from './file-handles.js';
export type { JournalFileHandle, JournalFileSystem } from './file-handles.js';
export { JournalCorruptError } from './file-recovery.js';
export { parseJournalText, verifyEntries, verifyJournalText } from './verify.js';
export type { ParsedJournal, VerifyResult } from './verify.js';
export { renderReport } from './report.js';
export type { ReportFormat } from './report.js';
export type { ReportModel, ReportOptions } from './report-model.js';
export type { ApprovalRecord } from './report-approvals.js';
