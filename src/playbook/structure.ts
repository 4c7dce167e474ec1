import { branchSteps, edgesOf } from './graph.js';
import type { Playbook } from './schema.js';

/** A parallel branch: the region of steps that runs inside one branch of a parallel step. */
export interface Region {
  parallel: string;
  branch: string;
  index: number;
}

/** Where each step lives (root or the innermost parallel branch) and where it can go. */
export interface Structure {
  regionOf: Map<string, Region | null>;
  /** Every step inside any branch of a parallel step, nested ones included. */
  inside: Map<string, Set<string>>;
}

export function analyse(playbook: Playbook): Structure {
  const regionOf = new Map<string, Region | null>();
  const inside = new Map<string, Set<string>>();
  const sizes = new Map<string, number>();
  for (const id of Object.keys(playbook.steps)) regionOf.set(id, null);
  for (const [pid, step] of Object.entries(playbook.steps)) {
    if (step.type !== 'parallel') continue;
    const all = new Set<string>();
    step.branches.forEach((first, index) => {
      const region = branchSteps(playbook, first, pid);
      for (const id of region) {
        all.add(id);
        // The innermost (smallest) region owns the step.
        const current = regionOf.get(id);
        const currentSize = current
          ? (sizes.get(`${current.parallel}/${current.index}`) ?? Infinity)
          : Infinity;
        if (region.size < currentSize) regionOf.set(id, { parallel: pid, branch: first, index });
      }
      sizes.set(`${pid}/${index}`, region.size);
    });
    inside.set(pid, all);
  }
  return { regionOf, inside };
}

export const FINISHED = '#run.finished';
// xstate reads dots in a target as a path, so ids use hyphens (step ids cannot contain them).
export const stateIdOf = (step: string): string => `step-${step}`;
export const regionDoneIdOf = (region: Region): string => `done-${region.parallel}-${region.index}`;

/** Every state a transition out of `step` may target, so the machine can list them statically. */
export function targetsOf(playbook: Playbook, structure: Structure, step: string): string[] {
  const def = playbook.steps[step]!;
  const targets = new Set<string>(
    edgesOf(step, def)
      .filter((e) => e.kind !== 'branch')
      .map((e) => `#${stateIdOf(e.to)}`),
  );
  for (const t of continuationTargets(playbook, structure, structure.regionOf.get(step) ?? null))
    targets.add(t);
  // A failure a branch step does not handle fails its parallel step, whose handler decides.
  for (
    let region = structure.regionOf.get(step) ?? null;
    region;
    region = structure.regionOf.get(region.parallel) ?? null
  ) {
    for (const t of targetsAfter(playbook, structure, region.parallel)) targets.add(t);
  }
  targets.add(FINISHED);
  return [...targets];
}

function continuationTargets(
  playbook: Playbook,
  structure: Structure,
  region: Region | null,
): string[] {
  if (!region) return [FINISHED];
  const out = [`#${regionDoneIdOf(region)}`];
  const parallel = playbook.steps[region.parallel]!;
  if (parallel.type === 'parallel' && parallel.join === 'any') {
    out.push(...targetsAfter(playbook, structure, region.parallel));
  }
  return out;
}

/** Where the run goes once a step (typically a parallel step) is finished. */
export function targetsAfter(playbook: Playbook, structure: Structure, step: string): string[] {
  const def = playbook.steps[step]!;
  const out: string[] = [];
  if ('next' in def && typeof def.next === 'string') out.push(`#${stateIdOf(def.next)}`);
  else out.push(...continuationTargets(playbook, structure, structure.regionOf.get(step) ?? null));
  if ('on_error' in def && def.on_error && def.on_error !== 'continue' && def.on_error !== 'fail') {
    out.push(`#${stateIdOf(def.on_error)}`);
  }
  out.push(FINISHED);
  return out;
}
