import { writeFile } from 'node:fs/promises';
import { parseJournalText, verifyJournalText } from '../journal/verify.js';
import { renderReport, type ReportFormat } from '../journal/report.js';
import { readJournalText, type JournalSource } from './journal.js';
import { CliError } from './output.js';

const FORMATS: ReportFormat[] = ['md', 'html', 'json'];

/** `soar report <id> --format md|html|json`: the incident's evidence report. */
export async function reportCommand(
  id: string,
  options: JournalSource & { format: string; out?: string },
): Promise<number> {
  if (!FORMATS.includes(options.format as ReportFormat)) {
    throw new CliError(`--format must be one of ${FORMATS.join(', ')}, got '${options.format}'`);
  }
  const { key, text } = await readJournalText(options, id);
  const { entries } = parseJournalText(text);
  const report = renderReport(entries, options.format as ReportFormat, {
    title: `Incident report: ${key}`,
    journal: key,
    verification: verifyJournalText(text),
  });
  if (options.out) {
    await writeFile(options.out, report);
    process.stdout.write(`report written to ${options.out}\n`);
  } else process.stdout.write(report.endsWith('\n') ? report : `${report}\n`);
  return 0;
}
