/**
 * A failure reported by an integration command. `retryable` decides whether the step's
 * `retry` policy applies: transient faults (timeouts, 5xx, 429) retry; bad input and refused
 * credentials fail at once. Checked by `name`, not only instanceof, so it survives crossing
 * process boundaries as plain data.
 */
export class CommandError extends Error {
  override readonly name: string = 'CommandError';
  constructor(
    message: string,
    readonly options: {
      retryable: boolean;
      code?: string;
      retryAfterMs?: number;
      details?: unknown;
    },
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.options.retryable;
  }
  get code(): string {
    return this.options.code ?? (this.options.retryable ? 'TRANSIENT' : 'FAILED');
  }
}

export function transientError(
  message: string,
  code = 'TRANSIENT',
  retryAfterMs?: number,
): CommandError {
  return new CommandError(message, {
    retryable: true,
    code,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

export function permanentError(message: string, code = 'FAILED'): CommandError {
  return new CommandError(message, { retryable: false, code });
}

/** The serialisable form of a step failure, as journaled and shown to `on_error` handlers. */
export interface StepErrorInfo {
  message: string;
  code: string;
  retryable: boolean;
  retryAfterMs?: number;
}

export function toStepError(error: unknown): StepErrorInfo {
  if (error && typeof error === 'object' && (error as Error).name === 'CommandError') {
    const e = error as CommandError;
    return {
      message: e.message,
      code: e.code,
      retryable: e.retryable,
      ...(e.options.retryAfterMs !== undefined ? { retryAfterMs: e.options.retryAfterMs } : {}),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  // An unexpected exception is a bug or an unknown fault: treat as transient so retry can help.
  return { message, code: 'UNEXPECTED', retryable: true };
}
