/*
 * How the simulator refuses a request: the spec's error resource (`title`, `description`,
 * `error_id`, `error_code`, `http_status` as a string, `details`), the `{code, name,
 * description}` shape other servers send, or, for 401 behind a web server, an HTML page.
 */
import { STATUS_CODES } from 'node:http';

export type ErrorShape = 'taxii' | 'code-name';

export interface SimAnswer {
  status: number;
  contentType: string;
  body: string;
  headers: Record<string, string>;
}

export const TAXII_CONTENT_TYPE = 'application/taxii+json;version=2.1';

let errorSequence = 0;

export function renderError(
  shape: ErrorShape,
  status: number,
  description: string,
  details?: Record<string, unknown>,
): SimAnswer {
  const name = STATUS_CODES[status] ?? 'Error';
  const body =
    shape === 'taxii'
      ? {
          title: name,
          description,
          error_id: `sim-error-${String(++errorSequence).padStart(6, '0')}`,
          error_code: name.toUpperCase().replace(/[^A-Z]+/g, '_'),
          http_status: String(status),
          ...(details !== undefined ? { details } : {}),
        }
      : { code: status, name, description };
  return { status, contentType: TAXII_CONTENT_TYPE, body: JSON.stringify(body), headers: {} };
}

export function renderUnauthorized(shape: ErrorShape | 'html'): SimAnswer {
  const challenge = { 'www-authenticate': 'Basic realm="TAXII"' };
  if (shape !== 'html') {
    return { ...renderError(shape, 401, 'The client needs to authenticate'), headers: challenge };
  }
  return {
    status: 401,
    contentType: 'text/html',
    body:
      '<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n' +
      '<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx</center>\r\n' +
      '</body>\r\n</html>\r\n',
    headers: challenge,
  };
}
