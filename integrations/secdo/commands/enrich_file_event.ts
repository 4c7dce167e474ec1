import { Type } from '@sinclair/typebox';
import { defineCommand } from '../../../src/integration-sdk/index.js';
import { enrich } from '../client.js';
import {
  ArgumentChecker,
  EventIdArg,
  SEVERITIES,
  SeverityArg,
  TimestampArg,
  optional,
} from '../fields.js';

/** The guide: the type of a file or process event "Must be SuspiciousFileEvent". */
export const FILE_EVENT_TYPE = 'SuspiciousFileEvent' as const;

export const enrichFileEvent = defineCommand({
  name: 'enrich_file_event',
  title: 'Investigate a file or process alert in SECDO',
  description:
    'Sends a file or process alert (AV, EPP, NGAV, HIPS) to SECDO, which investigates the ' +
    "file on the host that reported it. Journals the host's address as an ip artifact and " +
    'the path as a file artifact.',
  input: Type.Object(
    {
      timestamp: TimestampArg,
      vendor: Type.String({
        minLength: 1,
        description: 'Vendor of the product that raised the alert, e.g. "McAfee".',
      }),
      product: Type.String({
        minLength: 1,
        description: 'Product that raised the alert, e.g. "ePO".',
      }),
      agent_ip: Type.String({
        minLength: 1,
        description: 'IP address of the host on which the file was reported.',
      }),
      file_path: Type.String({
        minLength: 1,
        description: 'Full path of the file, e.g. c:\\temp\\55\\pageant.exe.',
      }),
      severity: Type.Optional(SeverityArg),
      event_id: Type.Optional(EventIdArg),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    accepted: Type.Literal(true),
    company: Type.String(),
    timestamp: Type.String({ description: 'Epoch milliseconds, as sent.' }),
    vendor: Type.String(),
    product: Type.String(),
    agent_ip: Type.String(),
    file_path: Type.String(),
    type: Type.Literal(FILE_EVENT_TYPE),
    severity: Type.Optional(Type.String()),
    event_id: Type.Optional(Type.String()),
  }),
  run: async (ctx, input) => {
    const check = new ArgumentChecker('secdo.enrich_file_event', input);
    // The path is sent exactly as given: only SECDO knows how it matches paths.
    const filePath = typeof input.file_path === 'string' ? input.file_path : '';
    if (filePath.trim() === '') check.fail('file_path', 'must be a non-empty string');
    const fields = {
      timestamp: check.timestamp('timestamp'),
      vendor: check.text('vendor'),
      product: check.text('product'),
      agent_ip: check.ip('agent_ip'),
      file_path: filePath,
      type: FILE_EVENT_TYPE,
      ...optional('severity', check.optionalOneOf('severity', SEVERITIES)),
      ...optional('event_id', check.id('event_id')),
    };
    const company = await enrich(ctx, fields);
    ctx.evidence(`SECDO is investigating ${fields.file_path} on ${fields.agent_ip}`, [
      { type: 'ip', value: fields.agent_ip, label: 'agent' },
      { type: 'file', value: fields.file_path },
    ]);
    return { accepted: true as const, company, ...fields };
  },
});
