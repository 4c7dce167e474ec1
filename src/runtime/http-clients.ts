import type { InstanceContext } from '../integration-sdk/define.js';
import { permanentError } from '../integration-sdk/errors.js';
import { HttpClient, type HttpCallRecord, type HttpRequester } from '../integration-sdk/http.js';

/** One HTTP client per integration instance, so connections are kept alive across steps. */
export class HttpClients {
  private readonly clients = new Map<string, HttpClient>();

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
        ...(instance.rateLimit ? { rateLimit: instance.rateLimit } : {}),
      });
      this.clients.set(instance.id, client);
    }
    return client;
  }

  /** The instance's client as one step sees it: every request reported to `sink`. */
  forStep(instance: InstanceContext, sink: (call: HttpCallRecord) => void): HttpRequester {
    const client = this.forInstance(instance);
    return { request: (req) => client.request(req, sink) };
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}
