// Service clients, built on demand with the one shared authenticator. The SDK modules are loaded
// lazily so the "ignore this event" path never pays for them (style rule 9).
import type { Config } from '../config.ts';
import { instrument } from '../runtime/call-counter.ts';
import { authenticatorFor } from './auth.ts';
import { serviceUrl, vpcUrl } from './endpoints.ts';
import type { VpcClient } from './vpc.ts';

type IamIdentityV1 = import('@ibm-cloud/platform-services/iam-identity/v1.js');
type IamPolicyManagementV1 = import('@ibm-cloud/platform-services/iam-policy-management/v1.js');
type IamAccessGroupsV2 = import('@ibm-cloud/platform-services/iam-access-groups/v2.js');
type GlobalTaggingV1 = import('@ibm-cloud/platform-services/global-tagging/v1.js');
type CaseManagementV1 = import('@ibm-cloud/platform-services/case-management/v1.js');

/** sdk-core retries GET/PUT/POST/DELETE on 429 and 5xx (never PATCH); Retry-After is honoured. */
const RETRIES = { maxRetries: 4, maxRetryInterval: 30 };

interface Clients {
  vpc(region: string): Promise<VpcClient>;
  identity(): Promise<IamIdentityV1>;
  policies(): Promise<IamPolicyManagementV1>;
  groups(): Promise<IamAccessGroupsV2>;
  tagging(): Promise<GlobalTaggingV1>;
  cases(): Promise<CaseManagementV1>;
}

const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let p: Promise<T> | undefined;
  return () => {
    p ??= make();
    return p;
  };
};

/** One set of clients per configuration; VPC clients are per region. */
const createClients = (cfg: Config): Clients => {
  const authenticator = authenticatorFor(cfg);
  const vpcByRegion = new Map<string, Promise<VpcClient>>();
  return {
    vpc: (region) => {
      let c = vpcByRegion.get(region);
      if (!c) {
        c = import('./vpc.ts').then(({ VpcClient: Vpc }) => {
          const client = new Vpc({ authenticator, serviceUrl: vpcUrl(cfg, region), version: cfg.vpcVersion });
          client.enableRetries(RETRIES);
          return instrument(client, 'vpc');
        });
        vpcByRegion.set(region, c);
      }
      return c;
    },
    identity: once(async () => {
      const { default: IamIdentity } = await import('@ibm-cloud/platform-services/iam-identity/v1.js');
      const c = new IamIdentity({ authenticator, serviceUrl: serviceUrl(cfg, 'iam-identity') });
      c.enableRetries(RETRIES);
      return instrument(c, 'iam-identity');
    }),
    policies: once(async () => {
      const { default: IamPolicy } = await import('@ibm-cloud/platform-services/iam-policy-management/v1.js');
      const c = new IamPolicy({ authenticator, serviceUrl: serviceUrl(cfg, 'iam-policy-management') });
      c.enableRetries(RETRIES);
      return instrument(c, 'iam-policy');
    }),
    groups: once(async () => {
      const { default: Groups } = await import('@ibm-cloud/platform-services/iam-access-groups/v2.js');
      const c = new Groups({ authenticator, serviceUrl: serviceUrl(cfg, 'iam-access-groups') });
      c.enableRetries(RETRIES);
      return instrument(c, 'iam-groups');
    }),
    tagging: once(async () => {
      const { default: Tagging } = await import('@ibm-cloud/platform-services/global-tagging/v1.js');
      const c = new Tagging({ authenticator, serviceUrl: serviceUrl(cfg, 'global-tagging') });
      c.enableRetries(RETRIES);
      return instrument(c, 'tagging');
    }),
    cases: once(async () => {
      const { default: Cases } = await import('@ibm-cloud/platform-services/case-management/v1.js');
      const c = new Cases({ authenticator, serviceUrl: serviceUrl(cfg, 'case-management') });
      c.enableRetries(RETRIES);
      return instrument(c, 'case-management');
    }),
  };
};

export type { Clients };
export { createClients };
