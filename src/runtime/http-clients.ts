import { AsyncLocalStorage } from 'node:async_hooks';
import type { InstanceContext } from '../integration-sdk/define.js';
import { permanentError } from '../integration-sdk/errors.js';
import { HttpClient, type HttpCallRecord } from '../integration-sdk/http.js';

/**
 * One HTTP client per integration instance, so connections are kept alive across steps.
 * Each call is reported to whichever step is running it: the step's journal sink travels with
 * the command's async context.
 */
export class HttpClients {
  private readonly clients = new Map<string, HttpClient>();
  private readonly sinks = new AsyncLocalStorage<(call: HttpCallRecord) => void>();

  forInstance(instance: InstanceContext): HttpClient {
    let client = this.clients.get(instance.id);
    if (!client) {
      if (!instance.url) {
        throw permanentError(
          `instance '${instance.id}' has no url: set one in soar.config.yaml`,
          'BAD_INSTANCE',
        );
      }
      client = new HttpClient({
        baseUrl: instance.url,
        timeoutMs: instance.timeoutMs,
        tls: { verify: instance.tls.verify, ...(instance.tls.ca ? { ca: instance.tls.ca } : {}) },
        secrets: Object.values(instance.credentials),
        onCall: (call) => this.sinks.getStore()?.(call),
      });
      this.clients.set(instance.id, client);
    }
    return client;
  }

  /** Runs a command with its HTTP calls reported to `sink`. */
  withSink<T>(sink: (call: HttpCallRecord) => void, run: () => T): T {
    return this.sinks.run(sink, run);
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}
