// Service clients, built on demand with the one shared authenticator. The SDK modules are loaded
// lazily so the "ignore this event" path never pays for them (style rule 9); a bundle passes only
// the service loaders it uses (`createClientsWith`), so it carries only those SDK modules.
import type { Config } from '../config.ts';
import { instrument } from '../runtime/call-counter.ts';
import { authenticatorFor } from './auth.ts';
import { serviceUrl, vpcUrl } from './endpoints.ts';
import { ALL_SERVICES, type ServiceLoaders } from './service-loaders.ts';
import type { VpcClient } from './vpc.ts';

type Instance<K extends keyof ServiceLoaders> = InstanceType<Awaited<ReturnType<ServiceLoaders[K]>>>;

/** sdk-core retries GET/PUT/POST/DELETE on 429 and 5xx (never PATCH); Retry-After is honoured. */
const RETRIES = { maxRetries: 4, maxRetryInterval: 30 };

interface Clients {
  vpc(region: string): Promise<VpcClient>;
  identity(): Promise<Instance<'identity'>>;
  policies(): Promise<Instance<'policies'>>;
  groups(): Promise<Instance<'groups'>>;
  tagging(): Promise<Instance<'tagging'>>;
  cases(): Promise<Instance<'cases'>>;
}

const SERVICE_IDS = {
  identity: { url: 'iam-identity', counter: 'iam-identity' },
  policies: { url: 'iam-policy-management', counter: 'iam-policy' },
  groups: { url: 'iam-access-groups', counter: 'iam-groups' },
  tagging: { url: 'global-tagging', counter: 'tagging' },
  cases: { url: 'case-management', counter: 'case-management' },
} as const satisfies Record<keyof ServiceLoaders, { url: Parameters<typeof serviceUrl>[1]; counter: string }>;

/** One set of clients per configuration, limited to the given services; VPC clients are per region. */
const createClientsWith = (cfg: Config, loaders: Partial<ServiceLoaders>): Clients => {
  const authenticator = authenticatorFor(cfg);
  const vpcByRegion = new Map<string, Promise<VpcClient>>();
  const made = new Map<keyof ServiceLoaders, Promise<unknown>>();
  const client =
    <K extends keyof ServiceLoaders>(key: K) =>
    (): Promise<Instance<K>> => {
      let c = made.get(key);
      if (!c) {
        const load = loaders[key];
        if (!load) return Promise.reject(new Error(`the ${key} client is not part of this bundle`));
        c = load().then((Service) => {
          const svc = new Service({ authenticator, serviceUrl: serviceUrl(cfg, SERVICE_IDS[key].url) });
          svc.enableRetries(RETRIES);
          return instrument(svc, SERVICE_IDS[key].counter);
        });
        made.set(key, c);
      }
      return c as Promise<Instance<K>>;
    };
  return {
    vpc: (region) => {
      let c = vpcByRegion.get(region);
      if (!c) {
        c = import('./vpc.ts').then(({ VpcClient: Vpc }) => {
          const v = new Vpc({ authenticator, serviceUrl: vpcUrl(cfg, region), version: cfg.vpcVersion });
          v.enableRetries(RETRIES);
          return instrument(v, 'vpc');
        });
        vpcByRegion.set(region, c);
      }
      return c;
    },
    identity: client('identity'),
    policies: client('policies'),
    groups: client('groups'),
    tagging: client('tagging'),
    cases: client('cases'),
  };
};

/** Every service (CLI, profile-guard, scans). */
const createClients = (cfg: Config): Clients => createClientsWith(cfg, ALL_SERVICES);

export type { Clients };
export { createClients, createClientsWith };
