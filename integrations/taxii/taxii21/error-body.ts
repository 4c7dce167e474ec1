/*
 * Reading what a TAXII server says when it refuses a request. The spec's error resource is
 * `{title, description, error_id, error_code, http_status, external_details, details}`
 * (medallion sends title, description and http_status); other servers send
 * `{code, name, description}`; a proxy or web server in front sends an HTML page, most
 * often on 401. All text goes through the scrubber: a server may echo credentials back.
 */
import {
  htmlTitle,
  looksLikeHtml,
  safeReviver,
  singleLine,
  type Scrubber,
} from '../../../src/integration-sdk/http-errors.js';
import type { ServerErrorReport } from './errors.js';

const FIELD_CHARS = 300;
const EXCERPT_CHARS = 200;

export interface ServerErrorSummary {
  report: ServerErrorReport;
  /** One line for an error message; empty when the body said nothing. */
  text: string;
}

/** `statusReason` ("Forbidden") is left out of the text when the title only repeats it. */
export function readServerError(
  body: string,
  contentType: string,
  scrubber: Scrubber,
  statusReason = '',
): ServerErrorSummary {
  if (body.trim() === '') return { report: {}, text: '' };
  const parsed = parseJson(body);
  if (isRecord(parsed)) {
    const report = reportFromJson(parsed, scrubber);
    const text = describe(report, statusReason);
    if (text !== '') return { report, text };
  }
  if (looksLikeHtml(body, contentType)) {
    const title = htmlTitle(body, scrubber);
    return {
      report: { html: true, ...(title !== undefined ? { title } : {}) },
      text: title !== undefined ? `HTML page "${title}"` : 'HTML page',
    };
  }
  return { report: {}, text: clean(body, scrubber, EXCERPT_CHARS) };
}

function reportFromJson(json: Record<string, unknown>, scrubber: Scrubber): ServerErrorReport {
  const report: ServerErrorReport = {};
  const title = text(json.title) ?? text(json.name);
  const description = text(json.description) ?? text(json.message) ?? text(json.detail);
  const errorId = text(json.error_id);
  const errorCode = text(json.error_code) ?? text(json.code);
  if (title !== undefined) report.title = clean(title, scrubber, FIELD_CHARS);
  if (description !== undefined) report.description = clean(description, scrubber, FIELD_CHARS);
  if (errorId !== undefined) report.errorId = clean(errorId, scrubber, 100);
  if (errorCode !== undefined) report.errorCode = clean(errorCode, scrubber, 100);
  return report;
}

function describe(report: ServerErrorReport, statusReason: string): string {
  const title =
    report.title?.toLowerCase() === statusReason.toLowerCase() && report.description !== undefined
      ? undefined
      : report.title;
  const head = [title, report.description].filter((part) => part !== undefined);
  const ids = [
    report.errorCode !== undefined ? `error_code ${report.errorCode}` : undefined,
    report.errorId !== undefined ? `error_id ${report.errorId}` : undefined,
  ].filter((part) => part !== undefined);
  const main = head.join(': ');
  if (ids.length === 0) return main;
  return main === '' ? `(${ids.join(', ')})` : `${main} (${ids.join(', ')})`;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function clean(value: string, scrubber: Scrubber, max: number): string {
  // Flatten before scrubbing so a secret split across lines is still found; cut after.
  return singleLine(scrubber.text(singleLine(value, 64 * 1024)), max);
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body, safeReviver) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
