// The default sink: one structured log line per ticket action and nothing leaves the process. Like the
// webhook it keeps no state (a log cannot be searched): whoever reads the log dedupes on key and marker.
import type { Logger } from '../audit/logger.ts';
import { receiverTicket } from './common.ts';
import type { TicketSink } from './types.ts';

const createLogSink = (o: { logger: Logger; now?: () => Date }): TicketSink => {
  const now = o.now ?? (() => new Date());
  return {
    kind: 'log',
    searchable: false,
    find: async () => [],
    open: async (t) => {
      o.logger.warn('ticket', {
        sink: 'log',
        type: 'open',
        marker: t.marker,
        key: t.key,
        title: t.title,
        severity: t.severity,
        profile: t.subject,
        finding_ids: t.finding_ids,
      });
      return receiverTicket(t, now());
    },
    comment: async (ref, _text, u) => {
      o.logger.info('ticket', { sink: 'log', type: 'comment', ticket: ref.id, ...u });
    },
    resolve: async (ref, _text, u) => {
      o.logger.info('ticket', { sink: 'log', type: 'resolve', ticket: ref.id, ...u });
    },
    close: async (ref, survivor) => {
      o.logger.info('ticket', { sink: 'log', type: 'close', ticket: ref.id, duplicate_of: survivor.id });
    },
  };
};

export { createLogSink };
