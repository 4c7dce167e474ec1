import type { ReportSections, ReportTable } from './report-sections.js';

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:0 0 1.5rem;width:100%}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}td{white-space:pre-wrap;word-break:break-word}
pre{background:#f6f6f6;padding:.75rem;overflow:auto}`;

/** A standalone document; every piece of journal text is escaped, so it renders inert. */
export function renderHtml(sections: ReportSections): string {
  const body = [
    `<h1>${escapeHtml(sections.title)}</h1>`,
    table(['Field', 'Value'], sections.header),
    ...sections.tables.map(renderTable),
    '<h2>Outputs</h2>',
    sections.outputs.length === 0 ? '<p><em>None.</em></p>' : '',
    ...sections.outputs.map(
      (output) => `<h3>${escapeHtml(output.heading)}</h3>\n<pre>${escapeHtml(output.json)}</pre>`,
    ),
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(sections.title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body.filter((part) => part !== '').join('\n')}
</body>
</html>
`;
}

function renderTable(section: ReportTable): string {
  const heading = `<h2>${escapeHtml(section.title)}</h2>`;
  if (section.rows.length === 0) return `${heading}\n<p><em>None.</em></p>`;
  return `${heading}\n${table(section.columns, section.rows)}`;
}

function table(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = `<tr>${columns.map((column) => `<th>${escapeHtml(column)}</th>`).join('')}</tr>`;
  const body = rows.map(
    (row) => `<tr>${row.map((value) => `<td>${escapeHtml(value)}</td>`).join('')}</tr>`,
  );
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table>`;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
