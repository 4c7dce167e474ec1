/** Generates a playbook of `n` chained core.echo steps, each reading the previous output. */
export function echoChain(n: number, id = `chain-${n}`): string {
  const lines = [`id: ${id}`, `name: ${n} chained echo steps`, 'start: s0', 'steps:'];
  for (let i = 0; i < n; i++) {
    lines.push(`  s${i}:`, '    uses: core.echo');
    lines.push(
      i === 0 ? '    with: { n: 0 }' : `    with: { n: "\${{ steps.s${i - 1}.output.n + 1 }}" }`,
    );
    lines.push(`    next: ${i + 1 < n ? `s${i + 1}` : 'done'}`);
  }
  lines.push(
    '  done:',
    '    type: end',
    `    outputs: { last: "\${{ steps.s${n - 1}.output.n }}" }`,
  );
  return `${lines.join('\n')}\n`;
}

/** A mixed playbook of `n` steps: actions, choices, sets and foreach, all reachable. */
export function mixedPlaybook(n: number): string {
  const lines = [`id: mixed-${n}`, `name: ${n} mixed steps`, 'start: s0', 'steps:'];
  for (let i = 0; i < n; i++) {
    const next = i + 1 < n ? `s${i + 1}` : 'done';
    switch (i % 4) {
      case 0:
        lines.push(
          `  s${i}:`,
          '    uses: core.echo',
          `    with: { value: "\${{ ${i} }}", label: "step ${i}" }`,
          `    next: ${next}`,
        );
        break;
      case 1:
        lines.push(
          `  s${i}:`,
          '    type: choice',
          '    choices:',
          `      - when: "\${{ steps.s${i - 1}.output.value > 0 }}"`,
          `        next: ${next}`,
          `    default: ${next}`,
        );
        break;
      case 2:
        lines.push(
          `  s${i}:`,
          '    type: set',
          `    vars: { v${i}: "\${{ ${i} * 2 }}" }`,
          `    next: ${next}`,
        );
        break;
      default:
        lines.push(
          `  s${i}:`,
          '    type: foreach',
          '    items: [1, 2]',
          '    do:',
          '      uses: core.echo',
          '      with: { item: "${{ item }}" }',
          `    next: ${next}`,
        );
    }
  }
  lines.push('  done:', '    type: end');
  return `${lines.join('\n')}\n`;
}
