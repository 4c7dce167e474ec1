import { Type } from '@sinclair/typebox';
import { defineCommand, permanentError } from '../../../src/integration-sdk/index.js';
import { ExtractInputTooLargeError, extractIocs } from '../../../src/intel/extract.js';
import { INDICATOR_TYPES, type IndicatorType } from '../../../src/intel/model.js';
import { artifactOf } from '../artifacts.js';

export const extract = defineCommand({
  name: 'extract',
  title: 'Find IOCs in text',
  description:
    'Finds IPv4/IPv6 addresses and prefixes, domains, URLs, e-mail addresses and MD5/SHA-1/SHA-256 hashes in free text (an alert body, an e-mail, a report), defanged forms included (hxxp://, evil[.]com, [at]). Values come back normalised and deduplicated, in order of first appearance, and are journaled as artifacts. Text over 1 MiB is refused.',
  input: Type.Object(
    {
      text: Type.String({ description: 'The text to search.' }),
      types: Type.Optional(
        Type.Array(Type.Union(INDICATOR_TYPES.map((t) => Type.Literal(t))), {
          description: 'Only these indicator types (default all).',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    iocs: Type.Array(Type.Object({ type: Type.String(), value: Type.String() })),
    ips: Type.Array(Type.String(), { description: 'Addresses and prefixes.' }),
    domains: Type.Array(Type.String()),
    urls: Type.Array(Type.String()),
    emails: Type.Array(Type.String()),
    hashes: Type.Array(Type.String()),
  }),
  run: (ctx, input) => {
    if (typeof input.text !== 'string') {
      throw permanentError(
        `intel.extract: 'text' must be a string, got ${typeof input.text}`,
        'BAD_INPUT',
      );
    }
    let found;
    try {
      found = extractIocs(input.text, input.types ? { types: input.types } : {});
    } catch (error) {
      if (error instanceof ExtractInputTooLargeError)
        throw permanentError(`intel.extract: ${error.message}`, 'BAD_INPUT');
      throw error;
    }
    const iocs = found.map(({ type, value }) => ({ type, value }));
    if (iocs.length > 0) {
      ctx.evidence(
        `${iocs.length} indicator${iocs.length === 1 ? '' : 's'} found in the text`,
        iocs.map((i) => artifactOf(i.type, i.value)),
      );
    }
    const of = (...types: IndicatorType[]) =>
      iocs.filter((i) => types.includes(i.type)).map((i) => i.value);
    return Promise.resolve({
      iocs,
      ips: of('ip', 'cidr'),
      domains: of('domain'),
      urls: of('url'),
      emails: of('email'),
      hashes: of('md5', 'sha1', 'sha256'),
    });
  },
});
