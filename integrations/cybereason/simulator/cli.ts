/*
 * Runs the simulator on its own, for demos and benchmarks:
 *   node dist/integrations/cybereason/simulator/cli.js --port 8443 --generate 10000
 * and prints one JSON line: the url and credentials to put in soar.config.yaml.
 */
import { parseArgs } from 'node:util';
import { SIM_PASSWORD, SIM_USER, startCybereasonSimulator } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    generate: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    'no-management-api': { type: 'boolean', default: false },
  },
});

const sim = await startCybereasonSimulator({
  port: Number(values.port),
  generate: Number(values.generate),
  seed: Number(values.seed),
  managementApi: !values['no-management-api'],
});
process.stdout.write(
  `${JSON.stringify({ url: sim.url, username: SIM_USER, password: SIM_PASSWORD, malops: sim.state.malops.size })}\n`,
);
const stop = (): void => void sim.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
