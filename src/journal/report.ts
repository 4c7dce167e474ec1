import type { JournalEntry } from './entry.js';
import { buildReportModel } from './report-model.js';
import type { ReportOptions } from './report-model.js';
import { renderHtml } from './report-html.js';
import { renderMarkdown } from './report-markdown.js';
import { reportSections } from './report-sections.js';

export type ReportFormat = 'md' | 'html' | 'json';

/** The auditor's view of one journal: header with chain verification, timeline, evidence, approvals, outputs. */
export function renderReport(
  entries: readonly JournalEntry[],
  format: ReportFormat,
  options: ReportOptions = {},
): string {
  const model = buildReportModel(entries, options);
  switch (format) {
    case 'json':
      return `${JSON.stringify(model, null, 2)}\n`;
    case 'md':
      return renderMarkdown(reportSections(model));
    case 'html':
      return renderHtml(reportSections(model));
  }
}
