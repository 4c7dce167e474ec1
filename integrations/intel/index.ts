import { defineIntegration } from '../../src/integration-sdk/index.js';
import { extract } from './commands/extract.js';
import { lookup } from './commands/lookup.js';

/** Threat intelligence in playbooks: lookups against the indicator store, IOCs from text. */
export const intel = defineIntegration({
  id: 'intel',
  title: 'Threat intelligence',
  description:
    'Verdicts on IPs, domains, URLs and hashes from the indicators TAXII feeds brought in (with the exclusion list applied), and IOC extraction from free text. Needs no configuration.',
  docs: 'integrations/intel/README.md',
  instance: {},
  commands: [lookup, extract],
});
