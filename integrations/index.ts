import type { IntegrationDefinition } from '../src/integration-sdk/index.js';
import { core } from './core/index.js';
import { cybereason } from './cybereason/index.js';
import { fortigate } from './fortigate/index.js';
import { intel } from './intel/index.js';
import { secdo } from './secdo/index.js';
import { taxii } from './taxii/index.js';

/** Every integration shipped with the engine. A new vendor adds itself here, not in src/. */
export const builtinIntegrations: readonly IntegrationDefinition[] = [
  core,
  secdo,
  cybereason,
  fortigate,
  taxii,
  intel,
];
