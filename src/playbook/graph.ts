import type { Playbook, Step } from './schema.js';

export type EdgeKind = 'next' | 'choice' | 'default' | 'error' | 'timeout' | 'option' | 'branch';

/** A control-flow edge between two steps, with the YAML path that declares it. */
export interface Edge {
  from: string;
  to: string;
  kind: EdgeKind;
  label?: string;
  path: (string | number)[];
}

const ON_ERROR_KEYWORDS = new Set(['continue', 'fail']);

export function isErrorHandlerTarget(onError: string | undefined): onError is string {
  return onError !== undefined && !ON_ERROR_KEYWORDS.has(onError);
}

/** Every edge leaving a step, in declaration order. */
export function edgesOf(id: string, step: Step): Edge[] {
  const base = ['steps', id];
  const edges: Edge[] = [];
  const add = (to: string, kind: EdgeKind, path: (string | number)[], label?: string) =>
    edges.push({
      from: id,
      to,
      kind,
      path: [...base, ...path],
      ...(label !== undefined ? { label } : {}),
    });

  switch (step.type) {
    case 'choice':
      step.choices.forEach((c, i) => add(c.next, 'choice', ['choices', i, 'next'], String(c.when)));
      if (step.default) add(step.default, 'default', ['default']);
      break;
    case 'parallel':
      step.branches.forEach((b, i) => add(b, 'branch', ['branches', i]));
      if (step.next) add(step.next, 'next', ['next']);
      break;
    case 'approval':
      if (typeof step.next === 'string') add(step.next, 'next', ['next']);
      else
        for (const [option, to] of Object.entries(step.next ?? {}))
          add(to, 'option', ['next', option], option);
      if (step.on_timeout) add(step.on_timeout, 'timeout', ['on_timeout']);
      break;
    case 'end':
      break;
    default:
      if (step.next) add(step.next, 'next', ['next']);
  }
  if ('on_error' in step && isErrorHandlerTarget(step.on_error))
    add(step.on_error, 'error', ['on_error']);
  return edges;
}

export function allEdges(playbook: Playbook): Edge[] {
  return Object.entries(playbook.steps).flatMap(([id, step]) => edgesOf(id, step));
}

/** True when `id` names a step of the playbook (own keys only: `toString` is no step). */
export function isStep(playbook: Playbook, id: string): boolean {
  return Object.hasOwn(playbook.steps, id);
}

const adjacencies = new WeakMap<Edge[], Map<string, string[]>>();

/** Successors of each step; built once per edge list, which callers never mutate. */
function adjacency(edges: Edge[]): Map<string, string[]> {
  let out = adjacencies.get(edges);
  if (!out) {
    out = new Map<string, string[]>();
    for (const e of edges) {
      const list = out.get(e.from);
      if (list) list.push(e.to);
      else out.set(e.from, [e.to]);
    }
    adjacencies.set(edges, out);
  }
  return out;
}

/**
 * The steps reachable from `from` (inclusive) following every edge; `stopAt` is included
 * when reached but not followed.
 */
export function reachable(
  playbook: Playbook,
  from: string,
  edges = allEdges(playbook),
  stopAt?: string,
): Set<string> {
  const out = adjacency(edges);
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id) || !isStep(playbook, id)) continue;
    seen.add(id);
    if (id === stopAt) continue;
    for (const to of out.get(id) ?? []) stack.push(to);
  }
  return seen;
}

/**
 * The steps of one parallel branch: everything reachable from its first step without passing
 * through the parallel step itself.
 */
export function branchSteps(
  playbook: Playbook,
  first: string,
  parallelId: string,
  edges = allEdges(playbook),
): Set<string> {
  const steps = reachable(playbook, first, edges, parallelId);
  steps.delete(parallelId);
  return steps;
}

/**
 * Strongly connected components that form loops (Tarjan), each listed in discovery order.
 * Iterative, so that a long chain of steps cannot overflow the call stack.
 */
export function loops(playbook: Playbook, edges = allEdges(playbook)): string[][] {
  const out = adjacency(edges);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  const frames: { v: string; next: number }[] = [];
  let counter = 0;
  const open = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    frames.push({ v, next: 0 });
  };
  for (const root of Object.keys(playbook.steps)) {
    if (index.has(root)) continue;
    open(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const v = frame.v;
      const successors = out.get(v) ?? [];
      if (frame.next < successors.length) {
        const w = successors[frame.next++]!;
        if (!isStep(playbook, w)) continue;
        if (!index.has(w)) open(w);
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v)!, low.get(v)!));
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        const selfLoop = successors.includes(v);
        if (component.length > 1 || selfLoop) components.push(component.reverse());
      }
    }
  }
  return components;
}
