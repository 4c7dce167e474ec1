import type { IncidentView } from '../playbook/run-model.js';

export interface Incident extends IncidentView {
  created_at: string;
  /** Where the alert came from (a file, an integration instance, the API). */
  source: string;
}

const SEVERITIES = ['unknown', 'informational', 'low', 'medium', 'high', 'critical'];
export const MAX_ALERT_BYTES = 1024 * 1024;

export class AlertError extends Error {
  override readonly name = 'AlertError';
  readonly code = 'BAD_ALERT';
}

/**
 * Turns an alert into an incident. An alert is `{type, name?, severity?, fields?}`; any other
 * top-level keys are kept as fields, so a vendor's raw JSON works as it is.
 */
export function incidentFromAlert(
  alert: unknown,
  options: { id: string; now: string; source: string; defaultType?: string },
): Incident {
  if (alert === null || typeof alert !== 'object' || Array.isArray(alert)) {
    throw new AlertError('an alert must be a JSON object');
  }
  const record = alert as Record<string, unknown>;
  const { type, name, severity, fields, ...rest } = record;
  const incidentType = typeof type === 'string' && type !== '' ? type : options.defaultType;
  if (!incidentType)
    throw new AlertError("an alert needs a 'type' (the incident type that selects a playbook)");
  if (
    fields !== undefined &&
    (fields === null || typeof fields !== 'object' || Array.isArray(fields))
  ) {
    throw new AlertError("'fields' must be an object");
  }
  const level = typeof severity === 'string' ? severity.toLowerCase() : 'unknown';
  if (!SEVERITIES.includes(level))
    throw new AlertError(`severity '${String(severity)}' is not one of ${SEVERITIES.join(', ')}`);
  return {
    id: options.id,
    type: incidentType,
    name: typeof name === 'string' && name !== '' ? name : `${incidentType} alert`,
    severity: level,
    fields: { ...rest, ...((fields as Record<string, unknown> | undefined) ?? {}) },
    created_at: options.now,
    source: options.source,
  };
}
