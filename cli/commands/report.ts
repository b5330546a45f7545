// `imds-guard report [FILES…|-|cos://BUCKET/PREFIX] [--since T] [--json] [--html OUT]`: the account's state now, failures
// by cause, exemptions, the trend and what the guard did, from its decision records (function logs,
// scan output, the demo's records, IBM Cloud Logs exports), as tables, JSON or one HTML page.
import { writeFile } from 'node:fs/promises';
import { type Command, type CommanderError, InvalidArgumentError } from 'commander';
import { renderHtml } from '#shared/audit/report/render-html.ts';
import { renderText } from '#shared/audit/report/render-text.ts';
import { buildReport } from '#shared/audit/report/report.ts';
import { InvalidSinceError, parseSince } from '#shared/audit/report/since.ts';
import { SourceError } from '#shared/audit/report/sources.ts';

const EXIT = { ok: 0, unexpected: 1, usage: 2 } as const;

const HELP_AFTER = `
Input: JSON lines, one decision record per line, as the functions, scan --output and the demo write
them (the demo's --json output too), or as IBM Cloud Logs exports them (query API events, archive rows
converted to JSON, ingestion entries, or a JSON log line wrapped under userData/user_data/_source/json/
text/message). Gzip files are read as they are. Other log lines are skipped; malformed lines are
counted and listed as FILE:LINE. The state now starts from the latest complete scan or sweep in the
input and follows every decision since (docs/report.md).
cos://BUCKET/PREFIX reads every object of the COS audit trail under PREFIX, in time order, with the
trail's connection settings (IMDS_GUARD_TRAIL_REGION, IMDS_GUARD_TRAIL_ENDPOINT, … — see the README).

Examples:
  imds-guard report decisions.jsonl
  curl -sN "$LOGS_URL/v1/query" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
    -d @query.json | imds-guard report --since 7d --html report.html
  imds-guard report a.jsonl b.jsonl.gz --json > summary.json
  imds-guard report cos://my-trail-bucket/imds-guard/decisions --since 24h

Exit codes:
  0  report written (malformed lines do not fail it)
  1  unexpected error
  2  bad arguments, or an input that cannot be read`;

interface ReportOptions {
  since?: Date;
  json?: boolean;
  html?: string;
}

const sinceOption = (raw: string): Date => {
  try {
    return parseSince(raw);
  } catch (err) {
    if (err instanceof InvalidSinceError) throw new InvalidArgumentError(err.message);
    throw err;
  }
};

const fail = (code: number, message: string): void => {
  process.stderr.write(`imds-guard report: ${message}\n`);
  process.exitCode = code;
};

const runReport = async (files: string[], opts: ReportOptions): Promise<void> => {
  if (files.length === 0 || files.includes('-')) {
    if (process.stdin.isTTY) process.stderr.write('reading decision records from stdin (end with Ctrl-D)\n');
  }
  try {
    const summary = await buildReport(files, opts.since ? { since: opts.since } : {});
    if (opts.html) {
      await writeFile(opts.html, renderHtml(summary));
      process.stderr.write(`wrote ${opts.html}\n`);
    }
    process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : renderText(summary));
    if (summary.input.malformed > 0)
      process.stderr.write(
        `imds-guard report: ${summary.input.malformed} malformed line(s) skipped (first at ${summary.input.malformed_samples[0]?.source}:${summary.input.malformed_samples[0]?.line})\n`,
      );
    process.exitCode = EXIT.ok;
  } catch (err) {
    if (err instanceof SourceError) return fail(EXIT.usage, err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (opts.html && (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR'))
      return fail(EXIT.usage, `cannot write ${opts.html}: ${code}`);
    fail(EXIT.unexpected, err instanceof Error ? (err.stack ?? err.message) : String(err));
  }
};

const registerReport = (program: Command): void => {
  program
    .command('report')
    .description(
      'the posture from decision records: state now, failures by cause, exemptions, trend (text, JSON or HTML)',
    )
    .argument(
      '[files...]',
      'JSON-lines files (plain or gzip), or cos://BUCKET/PREFIX (the audit trail); none or - reads stdin',
    )
    .option(
      '--since <time>',
      'only decisions from this time: ISO date/time or a duration back (30m, 24h, 7d, 2w)',
      sinceOption,
    )
    .option('--json', 'print the summary as JSON instead of tables')
    .option('--html <file>', 'also write a self-contained HTML page to <file>')
    .addHelpText('after', HELP_AFTER)
    // Bad arguments are exit 2 (commander's default is 1); help and version stay 0.
    .exitOverride((err: CommanderError) => {
      process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
    })
    .action(async (files: string[], opts: ReportOptions) => {
      await runReport(files, opts);
    });
};

export { registerReport };
