/*
 * A vendor lab on loopback: the Cybereason, SECDO, FortiGate and TAXII 2.1 simulators, and the
 * `soar.config.yaml` plus environment that point one instance of each at them, credentials
 * as `${env:…}` references exactly as a user configures real ones. The demo runs against it;
 * so do the end-to-end tests of the shipped playbooks.
 */
import {
  SIM_PASSWORD,
  SIM_USER,
  startCybereasonSimulator,
  type CybereasonSimulator,
  type SimulatorOptions as CybereasonOptions,
} from '../../integrations/cybereason/simulator/server.js';
import {
  FortiGateSimulator,
  type SimulatorOptions as FortiGateOptions,
} from '../../integrations/fortigate/simulator.js';
import {
  SIMULATOR_APIKEY,
  SIMULATOR_COMPANY,
  SecdoSimulator,
} from '../../integrations/secdo/simulator.js';
import {
  SIM_INDICATORS_COLLECTION,
  SIM_PASSWORD as TAXII_PASSWORD,
  SIM_USER as TAXII_USER,
  startTaxii21Simulator,
  type Taxii21Simulator,
} from '../../integrations/taxii/taxii21/simulator.js';

export const LAB_FORTIGATE_TOKEN = 'lab-fortigate-token-7d1e0c55a9b24f6e';
export const LAB_BLOCK_GROUP = 'SOAR-Blocklist';

export interface LabOptions {
  cybereason?: CybereasonOptions;
  fortigate?: FortiGateOptions;
  /** Extra FortiGate instance settings (never_block, max_blocks_per_run, …). */
  fortigateSettings?: Record<string, unknown>;
  /** intel.exclusions: never flagged by lookups, never blocked. */
  exclusions?: string[];
}

export interface Lab {
  cybereason: CybereasonSimulator;
  secdo: SecdoSimulator;
  fortigate: FortiGateSimulator;
  /** A TAXII 2.1 server; its indicator collection is the `cti` feed. */
  taxii: Taxii21Simulator;
  /** `soar.config.yaml` text: instances cybereason, secdo, fortigate and the cti feed. */
  config: string;
  /** The variables the config's `${env:…}` references name. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const cybereason = await startCybereasonSimulator(options.cybereason);
  const secdo = await SecdoSimulator.start();
  const taxii = await startTaxii21Simulator();
  const fortigate = await FortiGateSimulator.start({
    tokens: [LAB_FORTIGATE_TOKEN],
    ...options.fortigate,
  });
  const settings = {
    block_group: LAB_BLOCK_GROUP,
    block_group6: `${LAB_BLOCK_GROUP}6`,
    ...options.fortigateSettings,
  };
  const config = [
    ...(options.exclusions
      ? ['intel:', `  exclusions: ${JSON.stringify(options.exclusions)}`]
      : []),
    'instances:',
    '  cybereason:',
    '    integration: cybereason',
    `    url: ${cybereason.url}`,
    '    credentials:',
    '      username: ${env:SOAR_LAB_CYBEREASON_USER}',
    '      password: ${env:SOAR_LAB_CYBEREASON_PASSWORD}',
    '  secdo:',
    '    integration: secdo',
    `    url: ${secdo.url}`,
    '    credentials:',
    '      apikey: ${env:SOAR_LAB_SECDO_APIKEY}',
    `    settings: { company: ${SIMULATOR_COMPANY} }`,
    '  fortigate:',
    '    integration: fortigate',
    `    url: ${fortigate.url}`,
    '    credentials:',
    '      token: ${env:SOAR_LAB_FORTIGATE_TOKEN}',
    `    settings: ${JSON.stringify(settings)}`,
    '  cti:',
    '    integration: taxii',
    `    url: ${taxii.url}`,
    '    credentials:',
    '      username: ${env:SOAR_LAB_TAXII_USER}',
    '      password: ${env:SOAR_LAB_TAXII_PASSWORD}',
    `    settings: { version: '2.1', collection: ${SIM_INDICATORS_COLLECTION}, first_poll: 3650d }`,
    '',
  ].join('\n');
  return {
    cybereason,
    secdo,
    fortigate,
    taxii,
    config,
    env: {
      SOAR_LAB_CYBEREASON_USER: SIM_USER,
      SOAR_LAB_CYBEREASON_PASSWORD: SIM_PASSWORD,
      SOAR_LAB_SECDO_APIKEY: SIMULATOR_APIKEY,
      SOAR_LAB_FORTIGATE_TOKEN: LAB_FORTIGATE_TOKEN,
      SOAR_LAB_TAXII_USER: TAXII_USER,
      SOAR_LAB_TAXII_PASSWORD: TAXII_PASSWORD,
    },
    async close() {
      await Promise.all([cybereason.close(), secdo.close(), fortigate.close(), taxii.close()]);
    },
  };
}
