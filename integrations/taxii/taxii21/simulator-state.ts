/*
 * What the TAXII 2.1 simulator holds, open to tests: API roots, their collections, each
 * collection's objects with the date_added the server stamped on them, and the paging
 * sessions behind `next` tokens. Timestamps are written the way medallion writes them
 * (microseconds, `Z`), and one add gives its whole batch one date_added, as medallion does.
 */
import type { StixObject } from './resources.js';
import { parseInstant } from './time.js';

export interface SimStoredObject {
  object: StixObject;
  /** As the server reports it in X-TAXII-Date-Added-* headers. */
  date_added: string;
  /** date_added in nanoseconds since the epoch, for ordering and filtering. */
  addedAt: bigint;
}

export interface SimCollection {
  id: string;
  title: string;
  description?: string;
  can_read: boolean;
  can_write: boolean;
  media_types: string[];
  /** Ordered by date_added, then by insertion. */
  objects: SimStoredObject[];
}

export interface SimApiRoot {
  name: string;
  title: string;
  description?: string;
  versions: string[];
  max_content_length: number;
  collections: Map<string, SimCollection>;
}

/** One date_added for a whole batch, or one per object (by its index in the batch). */
export type DateAdded = string | ((index: number) => string);

export interface SimCollectionSeed {
  id: string;
  title: string;
  description?: string;
  can_read?: boolean;
  can_write?: boolean;
  objects?: StixObject[];
  dateAdded?: DateAdded;
}

export interface SimApiRootSeed {
  name: string;
  title?: string;
  description?: string;
  collections?: SimCollectionSeed[];
}

export const STIX21_MEDIA_TYPE = 'application/stix+json;version=2.1';

export class Taxii21SimState {
  readonly roots = new Map<string, SimApiRoot>();
  private lastStamp = 0n;

  constructor(private readonly now: () => number) {}

  addApiRoot(seed: SimApiRootSeed): SimApiRoot {
    const root: SimApiRoot = {
      name: seed.name,
      title: seed.title ?? seed.name,
      ...(seed.description !== undefined ? { description: seed.description } : {}),
      versions: ['application/taxii+json;version=2.1'],
      max_content_length: 104_857_600,
      collections: new Map(),
    };
    this.roots.set(seed.name, root);
    for (const collection of seed.collections ?? []) {
      root.collections.set(collection.id, {
        id: collection.id,
        title: collection.title,
        ...(collection.description !== undefined ? { description: collection.description } : {}),
        can_read: collection.can_read ?? true,
        can_write: collection.can_write ?? false,
        media_types: [STIX21_MEDIA_TYPE],
        objects: [],
      });
      if (collection.objects !== undefined) {
        this.addObjects(collection.id, collection.objects, collection.dateAdded);
      }
    }
    return root;
  }

  /** A collection by id, in whichever API root holds it. */
  collection(id: string): SimCollection | undefined {
    for (const root of this.roots.values()) {
      const found = root.collections.get(id);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Adds objects as a POST would: stamped with now (one stamp for the batch) unless told. */
  addObjects(
    collectionId: string,
    objects: StixObject[],
    dateAdded?: DateAdded,
  ): SimStoredObject[] {
    const collection = this.collection(collectionId);
    if (collection === undefined) throw new Error(`no collection ${collectionId} in the simulator`);
    if (objects.length === 0) return [];
    const batchStamp = dateAdded === undefined ? this.stamp() : undefined;
    const stored = objects.map((object, index) => {
      const date_added =
        batchStamp ?? (typeof dateAdded === 'function' ? dateAdded(index) : (dateAdded ?? ''));
      const addedAt = parseInstant(date_added);
      if (addedAt === undefined) throw new Error(`date_added '${date_added}' is not an instant`);
      return { object: structuredClone(object), date_added, addedAt };
    });
    collection.objects.push(...stored);
    // Array.prototype.sort is stable: objects added together keep their order.
    collection.objects.sort((a, b) => (a.addedAt < b.addedAt ? -1 : a.addedAt > b.addedAt ? 1 : 0));
    return stored;
  }

  /** The clock in microseconds, strictly increasing so that batches never share a stamp. */
  private stamp(): string {
    let ns = BigInt(this.now()) * 1_000_000n;
    if (ns <= this.lastStamp) ns = this.lastStamp + 1_000n;
    this.lastStamp = ns;
    return formatMicros(ns);
  }
}

/** `2026-01-01T00:00:00.123456Z`, medallion's format. */
export function formatMicros(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  const micros = ((ns / 1_000n) % 1_000n).toString().padStart(3, '0');
  return `${iso.slice(0, 23)}${micros}Z`;
}
