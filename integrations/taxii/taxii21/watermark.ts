/*
 * The poll watermark: the server's X-TAXII-Date-Added-Last, kept verbatim (its own digits
 * and zone go back to it as `added_after`) and advanced only by a strictly later instant.
 */
import { isLaterInstant } from './time.js';

export class Watermark {
  /** The latest X-TAXII-Date-Added-Last seen, or the starting point. */
  private latest: string | undefined;
  /** The watermark before `latest`: every object added up to it has been delivered. */
  private settled: string | undefined;

  constructor(start: string | undefined) {
    this.latest = start;
    this.settled = start;
  }

  get current(): string | undefined {
    return this.latest;
  }

  advance(dateAddedLast: string): void {
    if (this.latest === undefined || isLaterInstant(dateAddedLast, this.latest)) {
      this.settled = this.latest;
      this.latest = dateAddedLast;
    }
  }

  /**
   * Where a poll restarts when its `next` token is refused. Not `latest`: objects sharing
   * its instant may still wait on the next page (a bulk add gives a whole batch one
   * date_added, medallion does so), and `added_after` is exclusive, so they would be skipped.
   * `settled` is strictly earlier, hence every object added by then came on an earlier page.
   */
  get restartPoint(): string | undefined {
    return this.settled;
  }
}
