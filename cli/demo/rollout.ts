// The demo's staged-rollout scene: app-01 names app-reader as its default trusted profile (IBM linked
// them), so its workload reads the metadata service for its token. The policy says disable, at stage
// enforce — but an instance that likely uses the metadata service is never disabled without notice:
// bob's change gets a notice (one ticket, nothing changed); a week later (the demo's clock moves past the
// 7-day grace period) the next change disables it and resolves the ticket. The clock is the functions'
// injected `now`: nothing in the demo waits.
import type { Step } from './story.ts';

const DAY = 86_400_000;

/** The functions' clock: real time, plus what the scene skips ahead. */
const demoClock = () => {
  let offset = 0;
  return {
    now: (): Date => new Date(Date.now() + offset),
    skip: (ms: number): void => {
      offset += ms;
    },
  };
};

type DemoClock = ReturnType<typeof demoClock>;

const touchApp = (hop: number): Step['run'] => {
  return async (world) => {
    const app = await world.instance('app-01');
    await world
      .actor('bob')
      .vpc('us-south')
      .updateInstance({
        id: app.id,
        metadataService: { enabled: true, protocol: 'http', response_hop_limit: hop },
      });
  };
};

/** The scene's steps, played after the story with the functions on `clock`. */
const rolloutScene = (clock: DemoClock): Step[] => [
  {
    who: 'bob',
    did: 'set app-01 (trusted profile app-reader is linked to it) to http, hop limit 2',
    expect: 'likely uses the metadata service: notice first (one ticket), nothing changed',
    run: touchApp(2),
  },
  {
    who: 'bob',
    did: '8 days later (the grace period is 7d): set app-01 to hop limit 3',
    expect: 'the notice has run out: disable it, resolve the ticket',
    run: async (world) => {
      clock.skip(8 * DAY);
      await touchApp(3)(world);
    },
  },
];

export type { DemoClock };
export { demoClock, rolloutScene };
