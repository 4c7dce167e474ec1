/*
 * What the TAXII 1.1 simulator serves: collections of content blocks ordered by their
 * Timestamp_Label, and the result sets a multi-part poll leaves behind for Poll_Fulfillment.
 * Tests read and change it directly.
 */
import { randomUUID } from 'node:crypto';

export interface SimBlock {
  binding: string;
  /** The payload: a STIX package as XML text. */
  content: string;
  /** The Timestamp_Label, as epoch milliseconds. */
  timestamp: number;
}

export interface SimCollection {
  name: string;
  description: string;
  /** DATA_FEED or DATA_SET. */
  type: string;
  available: boolean;
  blocks: SimBlock[];
}

export interface SimResultSet {
  id: string;
  collection: string;
  begin: number | undefined;
  end: number;
  parts: SimBlock[][];
  /** Part numbers handed out so far, in request order. */
  served: number[];
}

export class Taxii11SimState {
  readonly collections = new Map<string, SimCollection>();
  readonly resultSets = new Map<string, SimResultSet>();

  addCollection(collection: Partial<SimCollection> & { name: string }): SimCollection {
    const added: SimCollection = {
      name: collection.name,
      description: collection.description ?? `Pulses of ${collection.name}`,
      type: collection.type ?? 'DATA_FEED',
      available: collection.available ?? true,
      blocks: [],
    };
    this.collections.set(added.name, added);
    this.addBlocks(added.name, collection.blocks ?? []);
    return added;
  }

  /** Adds blocks to a collection (created when missing), keeping timestamp order. */
  addBlocks(name: string, blocks: SimBlock[]): void {
    const collection = this.collections.get(name) ?? this.addCollection({ name });
    collection.blocks.push(...blocks);
    collection.blocks.sort((a, b) => a.timestamp - b.timestamp);
  }

  /** Blocks labelled after `begin` (exclusive) and up to `end` (inclusive). */
  window(name: string, begin: number | undefined, end: number): SimBlock[] {
    const blocks = this.collections.get(name)?.blocks ?? [];
    return blocks.filter((b) => (begin === undefined || b.timestamp > begin) && b.timestamp <= end);
  }

  /** Splits `blocks` into parts of `partSize`; the set is kept only when there is more than one. */
  resultSet(
    collection: string,
    begin: number | undefined,
    end: number,
    blocks: SimBlock[],
    partSize: number,
  ): SimResultSet {
    const parts: SimBlock[][] = [];
    for (let at = 0; at < blocks.length; at += partSize)
      parts.push(blocks.slice(at, at + partSize));
    if (parts.length === 0) parts.push([]);
    const set: SimResultSet = { id: randomUUID(), collection, begin, end, parts, served: [1] };
    if (parts.length > 1) this.resultSets.set(set.id, set);
    return set;
  }
}
