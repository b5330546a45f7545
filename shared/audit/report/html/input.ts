// The "Input" card: what was read, in which shapes, and the malformed lines located as FILE:LINE.
import type { ReportSummary } from '../aggregate.ts';
import { fragment, h, type Markup } from '../markup.ts';
import { formatCount } from '../units.ts';
import { card, pill, scrollTable } from './parts.ts';

const FORMAT_LABELS: Record<string, string> = {
  decision: 'function log lines',
  'cloud-logs-query': 'Cloud Logs query API',
  'cloud-logs-archive': 'Cloud Logs archive rows',
  'cloud-logs-ingest': 'Cloud Logs ingestion entries',
  dataprime: 'DataPrime rows',
  demo: 'demo steps',
  wrapped: 'wrapped lines',
};

const inputCard = (s: ReportSummary): Markup => {
  const i = s.input;
  const formats = Object.entries(i.formats)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([k, n]) => `${formatCount(n ?? 0)} from ${FORMAT_LABELS[k] ?? k}`)
    .join(' · ');
  const malformed =
    i.malformed === 0
      ? null
      : fragment(
          h(
            'p',
            { class: 'note' },
            pill(`${formatCount(i.malformed)} malformed`, 'failed'),
            ' lines were skipped',
            i.malformed > i.malformed_samples.length ? ` (first ${i.malformed_samples.length} listed)` : '',
            ':',
          ),
          scrollTable(
            { class: 'malformed' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Where'), h('th', {}, 'Problem'))),
            i.malformed_samples.map((m) =>
              h(
                'tr',
                {},
                h('td', { class: 'mono' }, `${m.source}:${m.line}`),
                h('td', { class: 'reason' }, m.reason),
              ),
            ),
          ),
        );
  return card(
    'input',
    'Input',
    `${formatCount(i.lines)} lines from ${i.sources.length} ${i.sources.length === 1 ? 'source' : 'sources'}`,
    h(
      'p',
      { class: 'plain' },
      `${formatCount(i.decisions)} decision records${formats ? ` (${formats})` : ''}; ${formatCount(i.skipped)} other lines skipped`,
      i.before_since > 0 ? `; ${formatCount(i.before_since)} records before --since left out` : '',
      '.',
    ),
    h('p', { class: 'note mono' }, i.sources.join(' · ')),
    malformed,
  );
};

export { FORMAT_LABELS, inputCard };
