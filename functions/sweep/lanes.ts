// Lanes: one per VPC region and one per global service (IAM, Global Tagging). A lane owns a p-queue
// (the resources in flight there), an AIMD controller, and a gate every HTTP request of the lane passes
// through, so a 429 pauses and paces the whole lane — listing, reads and PATCHes alike.
import type { BaseService } from 'ibm-cloud-sdk-core';
import PQueue from 'p-queue';
import type { Clients } from '#shared/cloud/clients.ts';
import type { VpcClient } from '#shared/cloud/vpc.ts';
import { parseRetryAfter, sleep } from '#shared/runtime/retry.ts';
import { type Aimd, type AimdStats, createAimd } from './backoff.ts';

interface Lane {
  name: string;
  /** Resources in flight in this lane; its concurrency follows the AIMD limit. */
  queue: PQueue;
  aimd: Aimd;
  /** Resolves when the request may be sent: not paused, and its place in the lane's pace (every request awaits it). */
  gate(): Promise<void>;
  throttled(retryAfterMs?: number): void;
  succeeded(): void;
  close(): void;
}

interface LaneReport extends AimdStats {
  lane: string;
  /** Concurrency at the end (the configured one unless IBM pushed back). */
  limit: number;
}

/** Answers that mean "too much, slow down". */
const THROTTLE_STATUSES = new Set([429, 503]);

const createLane = (name: string, max: number, now: () => number = Date.now): Lane => {
  const aimd = createAimd({ max, now });
  const queue = new PQueue({ concurrency: aimd.limit });
  let timer: NodeJS.Timeout | undefined;
  // Keeps the queue paused until the pause ends; a later 429 moves the end out.
  const schedule = (): void => {
    clearTimeout(timer);
    timer = undefined;
    const wait = aimd.waitMs();
    if (wait <= 0) {
      if (queue.isPaused) queue.start();
      return;
    }
    if (!queue.isPaused) queue.pause();
    timer = setTimeout(schedule, wait);
  };
  return {
    name,
    queue,
    aimd,
    gate: async () => {
      // A send slot (the pause, then the pace); a pause that began while waiting means another slot.
      for (let wait = aimd.reserve(); wait > 0; wait = aimd.reserve()) {
        await sleep(wait);
        if (aimd.waitMs() === 0) return;
      }
    },
    throttled: (retryAfterMs) => {
      if (aimd.throttled(retryAfterMs)) queue.concurrency = aimd.limit;
      schedule();
    },
    succeeded: () => {
      if (aimd.succeeded()) queue.concurrency = aimd.limit;
    },
    close: () => {
      clearTimeout(timer);
      timer = undefined;
      if (queue.isPaused) queue.start();
    },
  };
};

interface Lanes {
  region(region: string): Lane;
  /** `iam` (IAM Identity, Policy Management, Access Groups) or `tagging`. */
  global(name: 'iam' | 'tagging'): Lane;
  all(): Lane[];
  report(): LaneReport[];
  close(): void;
}

const createLanes = (o: { regionConcurrency: number; now?: () => number }): Lanes => {
  const lanes = new Map<string, Lane>();
  const get = (key: string): Lane => {
    let lane = lanes.get(key);
    if (!lane) {
      lane = createLane(key, o.regionConcurrency, o.now);
      lanes.set(key, lane);
    }
    return lane;
  };
  return {
    region: (region) => get(`vpc:${region}`),
    global: (name) => get(name),
    all: () => [...lanes.values()],
    report: () => [...lanes.values()].map((l) => ({ lane: l.name, limit: l.aimd.limit, ...l.aimd.stats() })),
    close: () => {
      for (const l of lanes.values()) l.close();
    },
  };
};

/** sdk-core's retries as shared/cloud/clients.ts configures them (429/5xx on GET, Retry-After honoured). */
const RETRIES = { maxRetries: 4, maxRetryInterval: 30 };

interface HttpError {
  response?: { status?: number; headers?: Record<string, string | undefined> };
}

/** sdk-core's pipeline: our interceptors on the client's axios instance. */
const throughAxios = (client: BaseService, lane: Lane): void => {
  const http = client.getHttpClient();
  http.interceptors.request.use(async (cfg) => {
    await lane.gate();
    return cfg;
  });
  http.interceptors.response.use(
    (res) => {
      lane.succeeded();
      return res;
    },
    (err: HttpError) => {
      const status = err.response?.status;
      if (status !== undefined && THROTTLE_STATUSES.has(status)) {
        lane.throttled(parseRetryAfter(err.response?.headers?.['retry-after']));
      }
      return Promise.reject(err);
    },
  );
};

/**
 * Puts a client's requests through a lane: the gate before each attempt (sdk-core's own retries
 * included), and every answer reported to the lane's AIMD. Our interceptor must run before
 * retry-axios's, which swallows the 429 it retries, so retries are re-attached after it. Our VPC
 * client's lean path calls the same hooks around each of its attempts.
 */
const throughLane = <T extends BaseService>(client: T, lane: Lane): T => {
  client.disableRetries();
  // Our VPC client's lean path (shared/cloud/transport.ts) has no axios: the same two hooks. A lean
  // client never sends through axios, so its axios instance (and axios itself) is not built for them.
  const lean = client as Partial<Pick<VpcClient, 'onAttempt' | 'onAnswer' | 'lean'>>;
  lean.onAttempt?.(() => lane.gate());
  lean.onAnswer?.((status, headers) => {
    if (status >= 200 && status < 300) lane.succeeded();
    else if (THROTTLE_STATUSES.has(status)) lane.throttled(parseRetryAfter(headers['retry-after']));
  });
  if (lean.lean !== true) throughAxios(client, lane);
  client.enableRetries(RETRIES);
  return client;
};

const memo = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let p: Promise<T> | undefined;
  return () => {
    p ??= make();
    return p;
  };
};

/** The same clients, each routed through its lane (VPC per region; IAM and tagging global). */
const clientsThroughLanes = (base: Clients, lanes: Lanes): Clients => {
  const vpcs = new Map<string, Promise<VpcClient>>();
  return {
    vpc: (region) => {
      let c = vpcs.get(region);
      if (!c) {
        c = base.vpc(region).then((v) => throughLane(v, lanes.region(region)));
        vpcs.set(region, c);
      }
      return c;
    },
    identity: memo(async () => throughLane(await base.identity(), lanes.global('iam'))),
    policies: memo(async () => throughLane(await base.policies(), lanes.global('iam'))),
    groups: memo(async () => throughLane(await base.groups(), lanes.global('iam'))),
    tagging: memo(async () => throughLane(await base.tagging(), lanes.global('tagging'))),
    // Tickets are few and go through the sink's own client.
    cases: base.cases,
  };
};

export type { Lane, LaneReport, Lanes };
export { clientsThroughLanes, createLane, createLanes, THROTTLE_STATUSES, throughLane };
