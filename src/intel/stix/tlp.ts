import type { Tlp } from '../model.js';

const RESTRICTIVENESS: readonly Tlp[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];

/**
 * A TLP colour as feeds write it: `WHITE`, `TLP:AMBER`, `amber+strict`, `Clear`. TLP 1.0 WHITE
 * is TLP 2.0 CLEAR.
 */
export function tlpFromName(name: string): Tlp | undefined {
  const colour = name
    .trim()
    .toLowerCase()
    .replace(/^tlp:\s*/, '');
  if (colour === 'white') return 'clear';
  return RESTRICTIVENESS.find((tlp) => tlp === colour);
}

/** Content marked twice is handled at its most restrictive marking (GREEN and AMBER is AMBER). */
export function mostRestrictive(tlps: Iterable<Tlp>): Tlp | undefined {
  let strictest: Tlp | undefined;
  for (const tlp of tlps) {
    if (
      strictest === undefined ||
      RESTRICTIVENESS.indexOf(tlp) > RESTRICTIVENESS.indexOf(strictest)
    )
      strictest = tlp;
  }
  return strictest;
}
