/*
 * An instance's `rate_limit` from soar.config.yaml, enforced on its HTTP requests in this
 * process: at most `concurrency` in flight, and starts spaced so that no more than
 * `per_second` begin in any second (a bucket of one second's worth of tokens, so a burst up to
 * `per_second` passes at once, then requests go out at the steady rate). Waiting honours the
 * request's cancellation. Vendors throttle per API key; one limiter per instance matches that.
 */
export interface RateLimit {
  perSecond?: number;
  concurrency?: number;
}

export class RateLimiter {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limit.perSecond ?? 0;
    this.refilledAt = this.now();
  }

  /** Resolves with a release function once the request may start. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.limit.concurrency !== undefined) {
      while (this.inFlight >= this.limit.concurrency) await this.queue(signal);
    }
    this.inFlight++;
    try {
      await this.takeToken(signal);
    } catch (error) {
      this.release();
      throw error;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  private release(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }

  private queue(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', abort);
        resolve();
      };
      const abort = () => {
        const index = this.waiting.indexOf(wake);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(reasonOf(signal!));
      };
      if (signal?.aborted) return reject(reasonOf(signal));
      signal?.addEventListener('abort', abort, { once: true });
      this.waiting.push(wake);
    });
  }

  private async takeToken(signal?: AbortSignal): Promise<void> {
    const rate = this.limit.perSecond;
    if (rate === undefined) return;
    for (;;) {
      const now = this.now();
      this.tokens = Math.min(rate, this.tokens + ((now - this.refilledAt) / 1000) * rate);
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await delay(((1 - this.tokens) / rate) * 1000, signal);
    }
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(reasonOf(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(reasonOf(signal!));
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
