export { defineCommand, defineIntegration } from './define.js';
export type {
  CommandContext,
  CommandDefinition,
  CommandLogger,
  FetchedIncident,
  FetchedIncidents,
  IntegrationDefinition,
} from './define.js';
export { CommandError, permanentError, toStepError, transientError } from './errors.js';
export type { StepErrorInfo } from './errors.js';
export { Registry } from './registry.js';
