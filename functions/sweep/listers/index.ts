// The listers, one per resource kind `--include` names: each starts this shard's listings of its kind
// in a pass and feeds the resources to it.
import type { Pass } from '../pass.ts';
import type { Include } from '../summary.ts';
import { startInstances } from './instances.ts';
import { startNetwork } from './network.ts';
import { startProfiles } from './profiles.ts';
import { startTemplates } from './templates.ts';

interface Lister {
  /** Starts the listings of this kind; each promise ends when its listing has enqueued everything. */
  start(pass: Pass): Promise<void>[];
}

const LISTERS = {
  instances: { start: startInstances },
  templates: { start: startTemplates },
  profiles: { start: startProfiles },
  network: { start: startNetwork },
} satisfies Record<Include, Lister>;

export type { Lister };
export { LISTERS };
