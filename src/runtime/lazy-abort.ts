/**
 * Cancellation whose AbortController is made only when a command asks for its signal. Most
 * commands never do, and a controller per step is measurable at thousands of steps a second.
 */
export class LazyAbort {
  private controller: AbortController | null = null;
  private abortedWith: { reason: unknown } | null = null;
  private readonly followers: ((reason: unknown) => void)[] = [];

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith) this.controller.abort(this.abortedWith.reason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.abortedWith !== null;
  }

  abort(reason?: unknown): void {
    if (this.abortedWith) return;
    this.abortedWith = { reason };
    this.controller?.abort(reason);
    for (const follow of this.followers.splice(0)) follow(reason);
  }

  /** Calls `follow` when this is aborted (at once if it already was). */
  onAbort(follow: (reason: unknown) => void): void {
    if (this.abortedWith) follow(this.abortedWith.reason);
    else this.followers.push(follow);
  }
}
