import type { Tlp } from '../model.js';
import { isRecord } from './is-record.js';
import { mostRestrictive, tlpFromName } from './tlp.js';

/*
 * TLP of STIX 2.1 content. Producers reference the well-known marking definitions by id without
 * shipping them, so those ids are fixed here; other TLP marking definitions are read from the
 * same batch.
 */

/** STIX 2.1 section 7.2.1.4: the TLP 1.0 marking definitions. */
const TLP_1_MARKINGS: Readonly<Record<string, Tlp>> = {
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': 'clear',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': 'green',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': 'amber',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': 'red',
};

/** The OASIS TLP 2.0 marking-definition extension (cti-stix-common-objects, tlp-2.0). */
const TLP_2_MARKINGS: Readonly<Record<string, Tlp>> = {
  'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487': 'clear',
  'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb': 'green',
  'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421': 'amber',
  'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003': 'amber+strict',
  'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1': 'red',
};

export const TLP_2_EXTENSION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

export type TlpMarkings = ReadonlyMap<string, Tlp>;

/** The colour a marking-definition object states, by `definition.tlp` or the TLP 2.0 extension. */
function tlpOfDefinition(marking: Record<string, unknown>): Tlp | undefined {
  const extension = isRecord(marking.extensions)
    ? marking.extensions[TLP_2_EXTENSION_ID]
    : undefined;
  if (isRecord(extension) && typeof extension.tlp_2_0 === 'string') {
    return tlpFromName(extension.tlp_2_0);
  }
  const definitionType = marking.definition_type;
  if (typeof definitionType !== 'string' || definitionType.toLowerCase() !== 'tlp')
    return undefined;
  const definition = marking.definition;
  return isRecord(definition) && typeof definition.tlp === 'string'
    ? tlpFromName(definition.tlp)
    : undefined;
}

/** Every TLP marking id this batch can resolve: the fixed ones, then those defined in it. */
export function collectTlpMarkings(objects: readonly unknown[]): TlpMarkings {
  const markings = new Map<string, Tlp>([
    ...Object.entries(TLP_1_MARKINGS),
    ...Object.entries(TLP_2_MARKINGS),
  ]);
  for (const object of objects) {
    if (!isRecord(object) || object.type !== 'marking-definition') continue;
    if (typeof object.id !== 'string' || markings.has(object.id)) continue;
    const tlp = tlpOfDefinition(object);
    if (tlp) markings.set(object.id, tlp);
  }
  return markings;
}

/** The strictest TLP among an object's `object_marking_refs`; other markings are not TLP. */
export function tlpOfObject(
  object: Record<string, unknown>,
  markings: TlpMarkings,
): Tlp | undefined {
  const refs = object.object_marking_refs;
  if (!Array.isArray(refs)) return undefined;
  const tlps: Tlp[] = [];
  for (const ref of refs) {
    const tlp = typeof ref === 'string' ? markings.get(ref) : undefined;
    if (tlp) tlps.push(tlp);
  }
  return mostRestrictive(tlps);
}
