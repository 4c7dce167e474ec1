import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, HttpError } from '../../src/integration-sdk/http.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasOpenssl())('HttpClient over HTTPS with a self-signed certificate', () => {
  let dir = '';
  let cert = '';
  let server: Server;
  let baseUrl = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'soar-http-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"secure":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the certificate when verifying (the default): TLS_REFUSED, not retryable', async () => {
    const http = new HttpClient({ baseUrl });
    try {
      const error = await http.request({ path: 'x' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HttpError);
      expect(error).toMatchObject({ code: 'TLS_REFUSED', retryable: false, status: null });
      expect((error as Error).message).toMatch(/tls\.ca|tls\.verify/);
    } finally {
      await http.close();
    }
  });

  it('accepts it with verify: false', async () => {
    const http = new HttpClient({ baseUrl, tls: { verify: false } });
    try {
      expect((await http.request({ path: 'x' })).body).toEqual({ secure: true });
    } finally {
      await http.close();
    }
  });

  it('accepts it when its certificate is given as ca (string or Buffer)', async () => {
    for (const ca of [cert, Buffer.from(cert)]) {
      const http = new HttpClient({ baseUrl, tls: { ca } });
      try {
        expect((await http.request({ path: 'x' })).body).toEqual({ secure: true });
      } finally {
        await http.close();
      }
    }
  });
});
