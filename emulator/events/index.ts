// TODO(events): Activity Tracker events for every applied change, and subscriptions that deliver them.
import type { RouteModule } from '../core/context.ts';
import type { Emulator } from '../emulator.ts';

interface EventsHandle {
  routes: RouteModule;
  /** Resolves once every queued delivery has been attempted. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const installEvents = (_emu: Emulator): EventsHandle => ({
  routes: () => {},
  flush: async () => {},
  close: async () => {},
});

export type { EventsHandle };
export { installEvents };
