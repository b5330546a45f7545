// Activity Tracker events for every applied change, and the subscriptions that deliver them
// (the emulator's stand-in for atracker → Event Streams / Cloud Logs → Code Engine / EN).
import type { RouteModule } from '../core/context.ts';
import { randomUuid } from '../core/ids.ts';
import type { Emulator } from '../emulator.ts';
import { buildAtEvent } from './builder.ts';
import { createPoster } from './http.ts';
import { eventRoutes } from './routes.ts';
import { EventBus } from './subscriptions.ts';

const FLUSH_DEFAULT_MS = 10_000;

interface EventsOptions {
  /** Clock for eventTime, ce-time and EN times (tests pin it). */
  now?: () => Date;
  /** Source of event ids, correlation ids and subscription ids (tests make it a counter). */
  uuid?: () => string;
}

interface EventsHandle {
  routes: RouteModule;
  /** Resolves once every queued delivery has been attempted (or `timeoutMs` passed). */
  flush(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
  /** In-process access for tests and the demo: the same operations as the admin API. */
  bus: EventBus;
}

const installEvents = (emu: Emulator, options: EventsOptions = {}): EventsHandle => {
  const now = options.now ?? (() => new Date());
  const uuid = options.uuid ?? randomUuid;
  const bus = new EventBus({ now, uuid, account: () => emu.state.account.id, poster: createPoster() });
  const build: Parameters<typeof eventRoutes>[0]['build'] = (change, caller) =>
    buildAtEvent(change, caller, {
      now,
      uuid,
      account: emu.state.account.id,
      profileName: (id) => emu.state.profiles.get(id)?.name,
    });
  emu.onChange((change, caller) => {
    bus.publish([build(change, caller)]);
  });
  return {
    routes: eventRoutes({
      bus,
      build,
      keyNamed: (name) => [...emu.state.apiKeys.values()].find((k) => k.name === name),
    }),
    flush: async (timeoutMs = FLUSH_DEFAULT_MS) => {
      await bus.flush(timeoutMs);
    },
    close: () => bus.close(),
    bus,
  };
};

export type { EventsHandle, EventsOptions };
export { installEvents };
