/*
 * The HTTP binding's header checks, as a strict libtaxii server makes them: a missing
 * header is a bad message; a message binding, services version or protocol the server
 * does not speak is unsupported.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { StatusSeed } from './simulator-render.js';

const MESSAGE_BINDING = 'urn:taxii.mitre.org:message:xml:1.1';
const SERVICES = 'urn:taxii.mitre.org:services:1.1';

export function checkHeaders(
  headers: IncomingHttpHeaders,
  protocol: string,
): StatusSeed | undefined {
  const value = (name: string): string | undefined => {
    const raw = headers[name];
    return Array.isArray(raw) ? raw.join(', ') : raw;
  };
  for (const name of [
    'content-type',
    'x-taxii-content-type',
    'x-taxii-accept',
    'x-taxii-services',
    'x-taxii-protocol',
  ]) {
    if (value(name) === undefined) {
      return { type: 'BAD_MESSAGE', message: `The ${name} header is missing` };
    }
  }
  if (!/^application\/xml\s*(;|$)/i.test(value('content-type') ?? '')) {
    return {
      type: 'BAD_MESSAGE',
      message: `Content-Type must be application/xml, not ${value('content-type')}`,
    };
  }
  for (const name of ['x-taxii-content-type', 'x-taxii-accept']) {
    if (value(name) !== MESSAGE_BINDING) {
      return {
        type: 'UNSUPPORTED_MESSAGE',
        message: `Message binding ${value(name)} (${name}) is not supported`,
        details: { SUPPORTED_BINDING: MESSAGE_BINDING },
      };
    }
  }
  if (value('x-taxii-services') !== SERVICES) {
    return {
      type: 'UNSUPPORTED_MESSAGE',
      message: `Services version ${value('x-taxii-services')} is not supported`,
    };
  }
  if (value('x-taxii-protocol') !== protocol) {
    return {
      type: 'UNSUPPORTED_PROTOCOL',
      message: `Protocol binding ${value('x-taxii-protocol')} is not supported`,
      details: { SUPPORTED_PROTOCOL: protocol },
    };
  }
  return undefined;
}
