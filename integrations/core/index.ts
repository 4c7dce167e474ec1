import { defineIntegration } from '../../src/integration-sdk/index.js';
import { echo } from './echo.js';
import { fail } from './fail.js';
import { log } from './log.js';
import { sleep } from './sleep.js';

/** Built-in commands that need no vendor: shaping data, notes, and failure drills. */
export const core = defineIntegration({
  id: 'core',
  title: 'Core',
  description: 'Built-in commands: echo, fail, sleep, log.',
  commands: [echo, fail, sleep, log],
});
