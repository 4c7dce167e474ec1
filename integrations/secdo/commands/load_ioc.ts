import { Type } from '@sinclair/typebox';
import { defineCommand, permanentError } from '../../../src/integration-sdk/index.js';
import type { ArtifactType } from '../../../src/journal/entry.js';
import { runCommand, secdoAccount, unexpectedShape } from '../client.js';
import { ArgumentChecker } from '../fields.js';

export const IOC_SEVERITIES = ['HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'] as const;
export const IOC_OPERATIONS = [
  'CASE',
  'ICEBLOCK',
  'ISOLATE',
  'BLACKLIST',
  'SYSLOG',
  'REPORT',
] as const;
export const IOC_ARTIFACT_TYPES = [
  'hostname',
  'md5hash',
  'filename',
  'complex',
  'fullpath',
  'dest_ip',
  'mixed',
] as const;

/** The journal's artifact type for an IOC of one kind; complex and mixed IOCs have none. */
const ARTIFACT_OF: Partial<Record<(typeof IOC_ARTIFACT_TYPES)[number], ArtifactType>> = {
  hostname: 'host',
  md5hash: 'hash',
  filename: 'file',
  fullpath: 'file',
  dest_ip: 'ip',
};

const literals = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const loadIoc = defineCommand({
  name: 'load_ioc',
  title: 'Load an IOC into SECDO',
  description:
    'Loads an indicator of compromise into SECDO (command API load_ioc) with the operation ' +
    "SECDO runs when it matches. SECDO's refusal fails the step with its reason. In dry-run " +
    'mode nothing is sent.',
  input: Type.Object(
    {
      ioc_data: Type.String({ minLength: 1, description: 'The indicator, as SECDO expects it.' }),
      artifacts_type: {
        ...literals(IOC_ARTIFACT_TYPES),
        description: IOC_ARTIFACT_TYPES.join(', '),
      },
      operations: { ...literals(IOC_OPERATIONS), description: IOC_OPERATIONS.join(', ') },
      severity: { ...literals(IOC_SEVERITIES), description: IOC_SEVERITIES.join(', ') },
      source: Type.Optional(
        Type.String({ minLength: 1, description: 'Where the IOC came from. Default: SOAR.' }),
      ),
      comment: Type.Optional(
        Type.String({ description: 'Default: "Loaded by SOAR run <run id>, step <step>".' }),
      ),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    loaded: Type.Boolean(),
    dry_run: Type.Boolean(),
    ioc_data: Type.String(),
    artifacts_type: Type.String(),
    operations: Type.String(),
    severity: Type.String(),
    source: Type.String(),
    comment: Type.String(),
  }),
  run: async (ctx, input) => {
    const check = new ArgumentChecker('secdo.load_ioc', input);
    const ioc = {
      severity: check.oneOf('severity', IOC_SEVERITIES),
      ioc_data: check.text('ioc_data'),
      source: check.optionalText('source') ?? 'SOAR',
      operations: check.oneOf('operations', IOC_OPERATIONS),
      artifacts_type: check.oneOf('artifacts_type', IOC_ARTIFACT_TYPES),
      comment:
        check.optionalText('comment') ?? `Loaded by SOAR run ${ctx.run.id}, step ${ctx.run.step}`,
    };
    if (ctx.run.dryRun) {
      ctx.note(`dry run: would load ${ioc.artifacts_type} IOC ${ioc.ioc_data} into SECDO`, ioc);
      return { loaded: false, dry_run: true, ...ioc };
    }
    const body = await runCommand<unknown>(ctx, 'load_ioc', ioc);
    if (body === true) {
      const type = ARTIFACT_OF[ioc.artifacts_type];
      ctx.evidence(
        `SECDO loaded ${ioc.artifacts_type} IOC ${ioc.ioc_data} (${ioc.operations}, ${ioc.severity})`,
        type ? [{ type, value: ioc.ioc_data }] : [],
      );
      return { loaded: true, dry_run: false, ...ioc };
    }
    const reason = (body as { reason?: unknown } | null)?.reason;
    if (typeof reason === 'string') {
      throw permanentError(`SECDO refused the IOC ${ioc.ioc_data}: ${reason}`, 'SECDO_REFUSED');
    }
    return unexpectedShape('load_ioc', body, secdoAccount(ctx).apikey);
  },
});
