import type { JournalRequest, RunEvent } from '../playbook/run-model.js';
import type { PendingEffect } from '../playbook/outbox.js';
import { toStepError } from '../integration-sdk/errors.js';
import type { CommandContext } from '../integration-sdk/define.js';
import type { Registry } from '../integration-sdk/registry.js';
import { LazyAbort } from './lazy-abort.js';
import type { HttpClients } from './http-clients.js';
import type { HttpCallRecord, HttpRequester } from '../integration-sdk/http.js';
import { permanentError } from '../integration-sdk/errors.js';
import type { Instances } from '../integration-sdk/instances.js';
import type { IntelService } from '../intel/service.js';
import type { InstanceContext } from '../integration-sdk/define.js';
import type { Artifact } from '../journal/entry.js';

type ExecuteEffect = Extract<PendingEffect, { kind: 'execute' }>;

export interface ExecutionResult {
  event: RunEvent;
  /** Notes and evidence the command journaled while it ran. */
  journal: JournalRequest['entry'][];
}

export interface ExecuteOptions {
  runId: string;
  incident: string | null;
  /** Instances from soar.config.yaml; without them every integration gets an implicit one. */
  instances?: Instances;
  /** HTTP clients per instance; commands that call `ctx.http` need them. */
  http?: HttpClients;
  /** Aborted when the run no longer wants the result (cancelled branch, failed run). */
  cancel?: LazyAbort;
  now: () => Date;
  /** Where commands' `ctx.log` lines go (the driver redacts and writes them); default nowhere. */
  log?: (line: CommandLogLine) => void;
  /** Threat intelligence for commands that use `ctx.intel`. */
  intel?: IntelService;
}

/** One diagnostic line from a command: not evidence, so it is logged, not journaled. */
export interface CommandLogLine {
  level: 'info' | 'warn';
  run: string;
  step: string;
  uses: string;
  message: string;
  data?: Record<string, unknown>;
}

const implicitInstances = new Map<string, InstanceContext>();
const IMPLICIT = (id: string): InstanceContext => {
  let instance = implicitInstances.get(id);
  if (!instance) {
    instance = {
      id,
      credentials: {},
      settings: {},
      timeoutMs: 30_000,
      tls: { verify: true },
      dryRun: false,
    };
    implicitInstances.set(id, instance);
  }
  return instance;
};

/** A command's view of its step; a class so that the per-step cost is one small object. */
class StepContext implements CommandContext {
  readonly log: CommandContext['log'];
  readonly run: CommandContext['run'];
  private readonly actor: { kind: 'integration'; id: string };

  constructor(
    private readonly controller: LazyAbort,
    private readonly journal: ExecutionResult['journal'],
    private readonly effect: ExecuteEffect,
    integration: string,
    readonly instance: InstanceContext,
    options: ExecuteOptions,
    private readonly clients = options.http,
    private readonly intelService = options.intel,
  ) {
    this.actor = { kind: 'integration', id: integration };
    const sink = options.log;
    const line =
      (level: CommandLogLine['level']) => (message: string, data?: Record<string, unknown>) =>
        sink?.({
          level,
          run: options.runId,
          step: effect.step,
          uses: effect.uses,
          message,
          ...(data ? { data } : {}),
        });
    this.log = { info: line('info'), warn: line('warn') };
    this.run = {
      id: options.runId,
      step: effect.step,
      attempt: effect.attempt,
      incident: options.incident,
      dryRun: instance.dryRun,
    };
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get intel(): IntelService | undefined {
    return this.intelService;
  }

  get http(): HttpRequester {
    if (!this.clients) throw permanentError('no HTTP clients in this runtime', 'BAD_INSTANCE');
    const step = this.effect.step;
    return this.clients.forStep(this.instance, (call) =>
      this.journal.push(requestEntry(step, this.actor.id, call)),
    );
  }

  evidence(summary: string, artifacts: Artifact[], data?: Record<string, unknown>): void {
    this.journal.push({
      kind: 'evidence',
      step: this.effect.step,
      summary,
      artifacts,
      actor: this.actor,
      ...(data ? { data } : {}),
    });
  }

  note(summary: string, data?: Record<string, unknown>): void {
    this.journal.push({
      kind: 'note',
      step: this.effect.step,
      summary,
      actor: this.actor,
      ...(data ? { data } : {}),
    });
  }
}

/** A vendor request as the journal keeps it: method, URL without secrets, status, duration. */
function requestEntry(
  step: string,
  integration: string,
  call: HttpCallRecord,
): ExecutionResult['journal'][number] {
  const outcome = call.status !== null ? String(call.status) : (call.error ?? 'failed');
  return {
    kind: 'request',
    step,
    summary: `${call.method} ${call.url} → ${outcome} (${Math.round(call.durationMs)} ms)`,
    actor: { kind: 'integration', id: integration },
    data: { http: { ...call } },
  };
}

/** Runs one integration command for a step, enforcing its timeout; never throws. */
export async function executeCommand(
  registry: Registry,
  effect: ExecuteEffect,
  options: ExecuteOptions,
): Promise<ExecutionResult> {
  const journal: ExecutionResult['journal'] = [];
  const base = {
    step: effect.step,
    token: effect.token,
    ...(effect.item ? { item: effect.item } : {}),
  };
  const failed = (error: unknown): ExecutionResult => ({
    journal,
    event: {
      type: 'STEP.FAILED',
      ...base,
      at: options.now().toISOString(),
      error: toStepError(error),
    },
  });
  const resolved = registry.resolve(effect.uses);
  if (!resolved)
    return failed(permanentError(`unknown command '${effect.uses}'`, 'UNKNOWN_COMMAND'));
  let instance: InstanceContext;
  try {
    instance =
      effect.instance !== undefined
        ? namedInstance(options, effect.instance, resolved.integration.id)
        : (options.instances?.forIntegration(resolved.integration.id) ??
          IMPLICIT(resolved.integration.id));
  } catch (error) {
    return failed(error);
  }
  const controller = new LazyAbort();
  options.cancel?.onAbort((reason) => controller.abort(reason));
  let timer: NodeJS.Timeout | undefined;
  const ctx = new StepContext(
    controller,
    journal,
    effect,
    resolved.integration.id,
    instance,
    options,
  );
  try {
    const running = resolved.command.run(ctx, effect.input);
    const output =
      effect.timeoutMs === null
        ? await running
        : await withTimeout(running, effect.timeoutMs, controller, (t) => (timer = t));
    return {
      journal,
      event: {
        type: 'STEP.DONE',
        ...base,
        at: options.now().toISOString(),
        output: output ?? null,
      },
    };
  } catch (error) {
    return failed(error);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

class StepTimeoutError extends Error {
  override readonly name = 'CommandError';
  readonly retryable = true;
  readonly code = 'TIMEOUT';
  readonly options = { retryable: true, code: 'TIMEOUT' };
}

function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  controller: LazyAbort,
  keep: (t: NodeJS.Timeout) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    keep(
      setTimeout(() => {
        const error = new StepTimeoutError(`timed out after ${ms} ms`);
        controller.abort(error);
        reject(error);
      }, ms),
    );
    promise.then(resolve, reject);
  });
}

/** The instance a step names, which must be one of its command's integration. */
function namedInstance(options: ExecuteOptions, id: string, integration: string): InstanceContext {
  const summary = options.instances?.list().find((i) => i.id === id);
  if (!summary) {
    throw permanentError(`no instance '${id}' in soar.config.yaml`, 'NO_INSTANCE');
  }
  if (summary.integration !== integration) {
    throw permanentError(
      `instance '${id}' is a ${summary.integration} instance, not ${integration}`,
      'BAD_INSTANCE',
    );
  }
  return options.instances!.get(id);
}
