/*
 * Malops in one shape, whichever API they came from: the malop management API
 * (/rest/mmng/v2/malops) and the older detection inbox (/rest/detection/inbox) name a few
 * fields differently (isEdr/edr, malopSeverity, primaryRootCauseName) and both send strings
 * where numbers and booleans are meant.
 */
import { Type, type Static } from '@sinclair/typebox';
import { bool, list, millis, record, text, texts } from './normalize.js';

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableBoolean = Type.Union([Type.Boolean(), Type.Null()]);
const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);

export const MachineSchema = Type.Object({
  guid: NullableString,
  name: NullableString,
  os_type: NullableString,
  connected: NullableBoolean,
  isolated: NullableBoolean,
  last_connected: NullableInteger,
  /** The sensor id that isolation commands take. */
  pylum_id: NullableString,
});

export const UserSchema = Type.Object({
  guid: NullableString,
  name: NullableString,
  admin: NullableBoolean,
  domain_user: NullableBoolean,
});

export const MalopSchema = Type.Object({
  guid: Type.String(),
  name: NullableString,
  /** As Cybereason says it: Active, Closed, Remediated… */
  status: NullableString,
  /** Lower case: low, medium, high… */
  severity: NullableString,
  priority: NullableString,
  /** Epoch milliseconds. */
  created: NullableInteger,
  updated: NullableInteger,
  machines: Type.Array(MachineSchema),
  users: Type.Array(UserSchema),
  /** The malop in the Cybereason console. */
  link: Type.String(),
  /** An EDR malop (false: an EPP detection malop). */
  edr: Type.Boolean(),
  detection_types: Type.Array(Type.String()),
  root_cause_type: NullableString,
});
export type Malop = Static<typeof MalopSchema>;
export type Machine = Static<typeof MachineSchema>;

/** A malop from either API; null when it has no guid (nothing to refer to it by). */
export function toMalop(raw: unknown, server: string): Malop | null {
  const m = record(raw);
  const guid = text(m.guid) ?? text(m.guidString);
  if (guid === null) return null;
  const edr = bool(m.isEdr) ?? bool(m.edr) ?? true;
  return {
    guid,
    name: text(m.displayName) ?? text(m.primaryRootCauseName),
    status: text(m.status) ?? text(m.malopStatus),
    severity: lower(text(m.severity) ?? text(m.malopSeverity)),
    priority: lower(text(m.priority) ?? text(m.malopPriority)),
    created: millis(m.creationTime),
    updated: millis(m.lastUpdateTime),
    machines: list(m.machines).map(toMachine),
    users: list(m.users).map(toUser),
    link: malopLink(server, guid, edr),
    edr,
    detection_types: texts(m.detectionTypes),
    root_cause_type: text(m.rootCauseElementType),
  };
}

export function malopLink(server: string, guid: string, edr: boolean): string {
  return `${server}/#/${edr ? 'malop' : 'detection-malop'}/${encodeURIComponent(guid)}`;
}

function toMachine(raw: unknown): Machine {
  const m = record(raw);
  return {
    guid: text(m.guid),
    name: text(m.displayName),
    os_type: text(m.osType),
    connected: bool(m.connected),
    isolated: bool(m.isolated),
    last_connected: millis(m.lastConnected),
    pylum_id: text(m.pylumId),
  };
}

function toUser(raw: unknown): Static<typeof UserSchema> {
  const u = record(raw);
  return {
    guid: text(u.guid),
    name: text(u.displayName),
    admin: bool(u.admin),
    domain_user: bool(u.domainUser),
  };
}

function lower(value: string | null): string | null {
  return value === null ? null : value.toLowerCase();
}

/**
 * Malop guids ("AAAA0w7GERjl3oae", "11.-6236127207710541535") go into URL paths and JSON keys:
 * nothing else passes.
 */
export const MalopGuid = Type.String({
  pattern: '^(?!(__proto__|constructor|prototype)$)[A-Za-z0-9._-]{1,128}$',
  description: 'The malop guid.',
});
