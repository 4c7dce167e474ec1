import { allEdges, type EdgeKind } from './graph.js';
import type { Playbook, Step } from './schema.js';

const EDGE_STYLE: Record<EdgeKind, (label?: string) => string> = {
  next: () => '-->',
  branch: () => '==>|branch|',
  choice: (label) => `-->|${quote(bare(label ?? 'when'))}|`,
  default: () => '-->|default|',
  option: (label) => `-->|${quote(label ?? '')}|`,
  error: () => '-.->|on error|',
  timeout: () => '-.->|on timeout|',
};

/** A Mermaid flowchart of a playbook's steps and edges, error and timeout edges dashed. */
export function toMermaid(playbook: Playbook): string {
  const lines = ['flowchart TD', `  __start((start)) --> ${playbook.start}`];
  for (const [id, step] of Object.entries(playbook.steps)) lines.push(`  ${node(id, step)}`);
  for (const edge of allEdges(playbook))
    lines.push(`  ${edge.from} ${EDGE_STYLE[edge.kind](edge.label)} ${edge.to}`);
  for (const [id, step] of Object.entries(playbook.steps)) {
    if (step.type === 'end') lines.push(`  ${id} --> __end((end))`);
  }
  return lines.join('\n') + '\n';
}

function node(id: string, step: Step): string {
  const detail =
    step.type === 'action'
      ? step.uses
      : step.type === 'foreach'
        ? `foreach: ${step.do.uses}`
        : step.type;
  const text = quote(`${step.name ?? id}<br/>${detail}`);
  switch (step.type) {
    case 'choice':
      return `${id}{${text}}`;
    case 'approval':
      return `${id}[/${text}/]`;
    case 'parallel':
      return `${id}[[${text}]]`;
    case 'end':
      return `${id}([${text}])`;
    case 'wait':
      return `${id}>${text}]`;
    default:
      return `${id}[${text}]`;
  }
}

/** Shows a condition without its `${{ }}` wrapper. */
function bare(text: string): string {
  return text.replace(/^\$\{\{\s*/, '').replace(/\s*\}\}$/, '');
}

function quote(text: string): string {
  return `"${text.replace(/"/g, '#quot;').replace(/\|/g, '#124;')}"`;
}
