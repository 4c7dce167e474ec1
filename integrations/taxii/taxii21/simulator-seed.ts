/*
 * What the TAXII 2.1 simulator serves unless told otherwise: one user, the API root `api1`
 * with the STIX 2.1 fixtures and a collection the user may not read, and `api2`, whose only
 * collection shares its title with one in `api1` (as sharing groups' collections often do).
 */
import { fixtureStix21Objects } from '../fixtures/stix21.js';
import type { SimApiRootSeed } from './simulator-state.js';

export const SIM_USER = 'feed-reader';
export const SIM_PASSWORD = 'Taxii-Sim-Pa55-7c2e91';
export const SIM_INDICATORS_COLLECTION = 'd4d9ad54-8b86-4369-8878-637f4e9564a8';
export const SIM_RESTRICTED_COLLECTION = '643139b1-8776-444f-8aac-64d692268bd0';
export const SIM_GROUP2_INDICATORS_COLLECTION = '92a6b8b4-c7c8-41f2-bc98-872b66a65322';

export function defaultApiRoots(): SimApiRootSeed[] {
  return [
    {
      name: 'api1',
      title: 'Example CERT feed',
      description: 'Indicators shared with members',
      collections: [
        {
          id: SIM_INDICATORS_COLLECTION,
          title: 'Indicators',
          description: 'Network and file indicators, TLP:CLEAR to TLP:AMBER+STRICT',
          objects: fixtureStix21Objects(),
        },
        { id: SIM_RESTRICTED_COLLECTION, title: 'Members only', can_read: false },
      ],
    },
    {
      name: 'api2',
      title: 'Sharing group 2',
      collections: [{ id: SIM_GROUP2_INDICATORS_COLLECTION, title: 'Indicators', objects: [] }],
    },
  ];
}
