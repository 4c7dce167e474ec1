/*
 * A TAXII 2.1 client over the integration HTTP client: discovery, API roots, collections
 * and a paged poll of a collection's objects. Transport details (headers, auth, error
 * shapes) live in transport.ts; paging and the watermark in poll.ts.
 *
 * @example
 * const taxii = new Taxii21Client({ http: ctx.http, baseUrl: ctx.instance.url, username, password });
 * const { default: root } = await taxii.discover();
 * const { id } = await taxii.collection(root, 'Indicators');
 * const { watermark } = await taxii.pollObjects({ root, collection: id, addedAfter, onPage });
 */
import { TaxiiError, TaxiiErrorCode } from './errors.js';
import { pickCollection } from './pick-collection.js';
import { pollPages, type PollOptions, type PollResult, type TaxiiPage } from './poll.js';
import {
  readApiRoot,
  readCollections,
  readDiscovery,
  type TaxiiApiRoot,
  type TaxiiCollection,
  type TaxiiDiscovery,
} from './resources.js';
import { TaxiiTransport, type TaxiiTransportOptions } from './transport.js';

export type Taxii21ClientOptions = TaxiiTransportOptions;

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface PollObjectsOptions extends PollOptions {
  /** Called for each page, in order; the next page is fetched once it resolves. */
  onPage?: (page: TaxiiPage) => void | Promise<void>;
}

export const DEFAULT_DISCOVERY_PATH = 'taxii2/';

export class Taxii21Client {
  private readonly transport: TaxiiTransport;

  constructor(options: Taxii21ClientOptions) {
    this.transport = new TaxiiTransport(options);
  }

  /** The discovery resource, its `default` and `api_roots` resolved to absolute URLs. */
  async discover(
    discoveryPath: string = DEFAULT_DISCOVERY_PATH,
    options: RequestOptions = {},
  ): Promise<TaxiiDiscovery> {
    const url = this.configured(discoveryPath);
    const { body } = await this.transport.get(url, options);
    return readDiscovery(
      body,
      url.pathname,
      (reference) => this.transport.resolveServerGiven(reference, url).href,
    );
  }

  async apiRoot(root: string, options: RequestOptions = {}): Promise<TaxiiApiRoot> {
    const url = this.configured(root);
    const { body } = await this.transport.get(url, options);
    return readApiRoot(body, url.pathname);
  }

  async collections(root: string, options: RequestOptions = {}): Promise<TaxiiCollection[]> {
    const url = new URL('collections/', this.configured(root));
    const { body } = await this.transport.get(url, options);
    return readCollections(body, url.pathname);
  }

  /** One collection of `root`, by id or by title (case-insensitive, must be unambiguous). */
  async collection(
    root: string,
    idOrTitle: string,
    options: RequestOptions = {},
  ): Promise<TaxiiCollection> {
    const collections = await this.collections(root, options);
    return pickCollection(
      collections,
      idOrTitle,
      `GET ${this.configured(root).pathname}collections/`,
    );
  }

  /** The pages of a poll, one at a time; the generator's return value is the PollResult. */
  pages(options: PollOptions): AsyncGenerator<TaxiiPage, PollResult, void> {
    const objectsUrl = new URL(
      `collections/${encodeURIComponent(options.collection)}/objects/`,
      this.configured(options.root),
    );
    return pollPages(this.transport, objectsUrl, options);
  }

  /** Polls every page (calling `onPage` for each) and returns the new watermark and counts. */
  async pollObjects(options: PollObjectsOptions): Promise<PollResult> {
    const pages = this.pages(options);
    for (;;) {
      const step = await pages.next();
      if (step.done === true) return step.value;
      await options.onPage?.(step.value);
    }
  }

  private configured(path: string): URL {
    try {
      return this.transport.resolveConfigured(path);
    } catch {
      throw new TaxiiError(
        `TAXII: '${this.transport.scrub(path.slice(0, 200))}' is not a path or URL`,
        { code: TaxiiErrorCode.INVALID_REQUEST },
      );
    }
  }
}

export { TaxiiError, TaxiiErrorCode } from './errors.js';
export type { ServerErrorReport } from './errors.js';
export type { PollOptions, PollResult, TaxiiPage } from './poll.js';
export type {
  StixObject,
  TaxiiApiRoot,
  TaxiiCollection,
  TaxiiDiscovery,
  TaxiiEnvelope,
} from './resources.js';
export { TAXII21_MEDIA_TYPE } from './transport.js';
