/*
 * Choosing a collection the way an analyst names it in a config file: by its id, or by its
 * title in any case. Feeds reuse titles across collections ("Indicators" under two
 * sharing groups), so a title that matches several is refused, naming every candidate.
 */
import { TaxiiError, TaxiiErrorCode } from './errors.js';
import type { TaxiiCollection } from './resources.js';

export function pickCollection(
  collections: readonly TaxiiCollection[],
  wanted: string,
  where: string,
): TaxiiCollection {
  const byId = collections.find((collection) => collection.id === wanted);
  if (byId !== undefined) return byId;
  const title = normalise(wanted);
  const byTitle = collections.filter((collection) => normalise(collection.title) === title);
  const [only, ...others] = byTitle;
  if (only !== undefined && others.length === 0) return only;
  if (only !== undefined) {
    throw new TaxiiError(
      `TAXII ${where}: ${byTitle.length} collections are titled "${wanted}": ` +
        `${byTitle.map(label).join(', ')}; give the id instead`,
      { code: TaxiiErrorCode.COLLECTION_AMBIGUOUS },
    );
  }
  const known = collections.length === 0 ? 'none' : collections.map(label).join(', ');
  throw new TaxiiError(
    `TAXII ${where}: no collection has the id or title "${wanted}"; the API root has: ${known}`,
    { code: TaxiiErrorCode.COLLECTION_NOT_FOUND },
  );
}

function normalise(title: string): string {
  return title.trim().toLowerCase();
}

function label(collection: TaxiiCollection): string {
  return `"${collection.title}" (${collection.id})`;
}
