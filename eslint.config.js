// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'child_process',
  'worker_threads',
  'dgram',
  'dns',
  'os',
  'crypto',
  'timers',
  'timers/promises',
  'process',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.soar/**', 'eslint.config.js', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The playbook core is pure: no I/O, no clock, no randomness.
    files: ['src/playbook/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules
            .flatMap((m) => [m, `node:${m}`])
            .map((name) => ({
              name,
              message: 'src/playbook is pure: do I/O in src/runtime.',
            })),
          patterns: [
            {
              group: ['bullmq', 'ioredis', '**/runtime/**', '**/journal/*store*'],
              message: 'src/playbook is pure.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'src/playbook is deterministic.' },
        {
          object: 'Date',
          property: 'now',
          message: 'src/playbook has no clock: use the event time.',
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'src/playbook is pure.' }],
    },
  },
  {
    // DESIGN §2: BullMQ is the distributed driver's business; other rooms go through it.
    files: ['src/**/*.ts', 'integrations/**/*.ts'],
    ignores: ['src/runtime/**', 'src/playbook/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'bullmq', message: 'only src/runtime imports BullMQ (see RuntimeQueues).' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
