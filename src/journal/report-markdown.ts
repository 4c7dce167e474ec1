import type { ReportSections, ReportTable } from './report-sections.js';

export function renderMarkdown(sections: ReportSections): string {
  const lines = [
    `# ${cell(sections.title)}`,
    '',
    ...table(['Field', 'Value'], sections.header),
    '',
  ];
  for (const section of sections.tables) lines.push(...renderTable(section), '');
  lines.push('## Outputs', '');
  if (sections.outputs.length === 0) lines.push('_None._', '');
  for (const output of sections.outputs) {
    const fence = '`'.repeat(Math.max(3, longestBacktickRun(output.json) + 1));
    lines.push(`### ${cell(output.heading)}`, '', `${fence}json`, output.json, fence, '');
  }
  return lines.join('\n');
}

function renderTable(section: ReportTable): string[] {
  const heading = `## ${section.title}`;
  if (section.rows.length === 0) return [heading, '', '_None._'];
  return [heading, '', ...table(section.columns, section.rows)];
}

function table(columns: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const row = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [row(columns), `|${columns.map(() => ' --- |').join('')}`, ...rows.map(row)];
}

/**
 * A pipe would split the cell and a newline would end the table; angle brackets are
 * escaped too because many viewers render raw HTML inside markdown.
 */
function cell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, '<br>');
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}
