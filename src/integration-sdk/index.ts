export { defineCommand, defineIntegration, intelOf } from './define.js';
export type {
  CommandContext,
  CommandDefinition,
  CommandLogger,
  FetchedIncident,
  FetchedIncidents,
  FetchedIndicators,
  IndicatorSink,
  IntegrationDefinition,
} from './define.js';
export { CommandError, permanentError, toStepError, transientError } from './errors.js';
export type { StepErrorInfo } from './errors.js';
export { Registry } from './registry.js';
