// A sink-neutral view of a profile's tickets in the emulator: id, open or not, and every text written to
// it in order — Case Management cases, ServiceNow incidents, Jira issues, or Event Notifications grouped
// by the ticket (open notification) each one is about. Plus the trail-bucket environment that the
// Event Notifications ledger and the open claims need.
import { adfText } from '#shared/tickets/adf.ts';
import { startS3 } from '../trail/s3-server.ts';
import type { World } from './support.ts';

type SinkUnderTest = 'case-management' | 'servicenow' | 'jira' | 'event-notifications';

interface TicketView {
  id: string;
  open: boolean;
  texts: string[];
}

const CLOSING = new Set(['resolve', 'duplicate']);

const ticketsOf = async (world: World, sink: SinkUnderTest, marker: string): Promise<TicketView[]> => {
  switch (sink) {
    case 'case-management':
      return (await world.casesFor(marker)).map((c) => ({
        id: c.number,
        open: !['resolved', 'closed'].includes(c.status),
        texts: [c.description, ...c.comments.map((x) => x.value)],
      }));
    case 'servicenow':
      return (await world.incidentsFor(marker)).map((i) => ({
        id: i.number,
        open: !['6', '7', '8'].includes(i.state),
        texts: [i.description, ...i.work_notes],
      }));
    case 'jira':
      return (await world.issuesFor(marker)).map((i) => ({
        id: i.key,
        open: i.status !== 'Done',
        texts: [adfText(i.description), ...i.comments.map((c) => adfText(c.body))],
      }));
    case 'event-notifications': {
      const byTicket = new Map<string, TicketView>();
      for (const n of await world.notificationsFor(marker)) {
        const id = n.body.data.ticket;
        const view = byTicket.get(id) ?? { id, open: true, texts: [] };
        view.texts.push(n.body.ibmendefaultlong);
        if (CLOSING.has(n.body.data.action)) view.open = false;
        byTicket.set(id, view);
      }
      return [...byTicket.values()];
    }
  }
};

const BUCKET = 'pg-tickets';

/** A local S3 server for the trail bucket, and a fresh state prefix per call (tests share the bucket). */
const startTicketStore = async () => {
  const s3 = await startS3([BUCKET]);
  let n = 0;
  return {
    s3,
    /** Trail env with a prefix no other test uses: the ledger and claims start empty. */
    env: (): Record<string, string> => {
      n += 1;
      const prefix = `pg-${process.pid}-${n}-${Math.random().toString(36).slice(2, 8)}`;
      return s3.trailEnv(BUCKET, {
        IMDS_GUARD_TRAIL_PREFIX: `${prefix}/decisions`,
        IMDS_GUARD_TICKET_STATE_PREFIX: prefix,
      });
    },
    close: () => s3.close(),
  };
};

export type { SinkUnderTest, TicketView };
export { startTicketStore, ticketsOf };
