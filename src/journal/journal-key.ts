const KEY_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;

export class InvalidJournalKeyError extends Error {
  override name = 'InvalidJournalKeyError';
}

export function isJournalKey(key: string): boolean {
  return typeof key === 'string' && KEY_PATTERN.test(key) && key !== '.' && key !== '..';
}

/** Keys become file names, so anything that could escape the directory is refused. */
export function assertJournalKey(key: string): void {
  if (!isJournalKey(key)) {
    throw new InvalidJournalKeyError(
      `invalid journal key ${JSON.stringify(key)}: use 1-200 characters from [A-Za-z0-9._-], not "." or ".."`,
    );
  }
}
