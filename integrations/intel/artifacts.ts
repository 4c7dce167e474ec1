import type { Artifact } from '../../src/journal/entry.js';
import type { IndicatorType } from '../../src/intel/model.js';

/** The journal's artifact type for an indicator: hashes are `hash`, prefixes `ip`. */
export function artifactOf(type: IndicatorType, value: string, label?: string): Artifact {
  const kind: Artifact['type'] =
    type === 'md5' || type === 'sha1' || type === 'sha256' ? 'hash' : type === 'cidr' ? 'ip' : type;
  return { type: kind, value, ...(label ? { label } : {}) };
}
