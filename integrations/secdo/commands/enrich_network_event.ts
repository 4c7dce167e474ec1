import { Type } from '@sinclair/typebox';
import { defineCommand } from '../../../src/integration-sdk/index.js';
import { enrich } from '../client.js';
import {
  ArgumentChecker,
  EventIdArg,
  PortArg,
  SEVERITIES,
  SeverityArg,
  TimestampArg,
  optional,
} from '../fields.js';

export const NETWORK_EVENT_TYPES = ['OutgoingConnectionEvent', 'IncomingConnectionEvent'] as const;
/** The guide: outgoing "should be the default in case the directionality cannot be determined". */
export const DEFAULT_NETWORK_EVENT_TYPE = 'OutgoingConnectionEvent';

const Sent = {
  company: Type.String(),
  timestamp: Type.String({ description: 'Epoch milliseconds, as sent.' }),
  vendor: Type.String(),
  product: Type.String(),
  source_ip: Type.String(),
  source_port: Type.Optional(Type.String()),
  destination_ip: Type.String(),
  destination_port: Type.String(),
  type: Type.String(),
  severity: Type.Optional(Type.String()),
  event_id: Type.Optional(Type.String()),
};

export const enrichNetworkEvent = defineCommand({
  name: 'enrich_network_event',
  title: 'Investigate a network alert in SECDO',
  description:
    'Sends a network alert (firewall, IPS, web gateway) to SECDO, which correlates it with ' +
    "the endpoint data of the host behind the connection. Journals the alert's source and " +
    'destination addresses as ip artifacts.',
  input: Type.Object(
    {
      timestamp: TimestampArg,
      vendor: Type.String({
        minLength: 1,
        description: 'Vendor of the product that raised the alert, e.g. "Palo Alto Networks".',
      }),
      product: Type.String({
        minLength: 1,
        description: 'Product that raised the alert, e.g. "PAN-OS".',
      }),
      source_ip: Type.String({ minLength: 1, description: 'Source IP of the connection.' }),
      source_port: Type.Optional({ ...PortArg, description: 'Source port of the connection.' }),
      destination_ip: Type.String({
        minLength: 1,
        description: 'Destination IP of the connection.',
      }),
      destination_port: { ...PortArg, description: 'Destination port of the connection.' },
      type: Type.Optional(
        Type.Union(
          NETWORK_EVENT_TYPES.map((t) => Type.Literal(t)),
          {
            default: DEFAULT_NETWORK_EVENT_TYPE,
            description:
              'OutgoingConnectionEvent (LAN to internet; the default when the direction is ' +
              'unknown) or IncomingConnectionEvent (internet to LAN or DMZ).',
          },
        ),
      ),
      severity: Type.Optional(SeverityArg),
      event_id: Type.Optional(EventIdArg),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    accepted: Type.Literal(true),
    ...Sent,
  }),
  run: async (ctx, input) => {
    const check = new ArgumentChecker('secdo.enrich_network_event', input);
    // The guide's order; optional fields that were not given are left out, not sent empty.
    const fields = {
      timestamp: check.timestamp('timestamp'),
      vendor: check.text('vendor'),
      product: check.text('product'),
      ...optional('source_port', check.optionalPort('source_port')),
      destination_ip: check.ip('destination_ip'),
      source_ip: check.ip('source_ip'),
      destination_port: check.port('destination_port'),
      type: check.oneOf('type', NETWORK_EVENT_TYPES, DEFAULT_NETWORK_EVENT_TYPE),
      ...optional('severity', check.optionalOneOf('severity', SEVERITIES)),
      ...optional('event_id', check.id('event_id')),
    };
    const company = await enrich(ctx, fields);
    ctx.evidence(
      `SECDO is investigating ${fields.type} ${fields.source_ip} → ${fields.destination_ip}:${fields.destination_port}`,
      [
        { type: 'ip', value: fields.source_ip, label: 'source' },
        { type: 'ip', value: fields.destination_ip, label: 'destination' },
      ],
    );
    return { accepted: true as const, company, ...fields };
  },
});
