// Thin typed Activity Tracker Event Routing v2 client on sdk-core's BaseService, mirroring IBM's AtrackerV2
// SDKs (IBM/platform-services-go-sdk atrackerv2; no Node package ships it): the two reads doctor makes,
// `listTargets` → `GET /api/v2/targets` and `listRoutes` → `GET /api/v2/routes`.
import { BaseService, type UserOptions } from 'ibm-cloud-sdk-core';

interface AtTarget {
  id: string;
  name: string;
  crn: string;
  target_type: string;
  region?: string;
  eventstreams_endpoint?: {
    target_crn: string;
    brokers: string[];
    topic: string;
    service_to_service_enabled?: boolean;
  };
  write_status: { status: string; last_failure?: string; reason_for_last_failure?: string };
}

interface AtRoute {
  id: string;
  name: string;
  crn: string;
  rules: { target_ids: string[]; locations: string[] }[];
}

interface Response<T> {
  status: number;
  result: T;
}

class AtrackerClient extends BaseService {
  static override DEFAULT_SERVICE_NAME = 'atracker';

  private get<T>(url: string, operation: string, qs?: Record<string, string>): Promise<Response<T>> {
    const base = this.baseOptions as { headers?: Record<string, string> };
    return this.createRequest({
      options: { url, method: 'GET', ...(qs ? { qs } : {}) },
      defaultOptions: {
        ...this.baseOptions,
        headers: {
          ...base.headers,
          Accept: 'application/json',
          'User-Agent': `imds-guard-doctor/0.1.0 (lang=node.js; operation=${operation})`,
        },
      },
    }) as Promise<Response<T>>;
  }

  /** Every target of the account, or of one region. */
  listTargets(params: { region?: string } = {}): Promise<Response<{ targets: AtTarget[] }>> {
    return this.get('/api/v2/targets', 'list_targets', params.region ? { region: params.region } : undefined);
  }

  /** Routes are account-wide: any region's endpoint lists them all. */
  listRoutes(): Promise<Response<{ routes: AtRoute[] }>> {
    return this.get('/api/v2/routes', 'list_routes');
  }
}

const createAtrackerClient = (options: UserOptions): AtrackerClient => new AtrackerClient(options);

export type { AtRoute, AtTarget };
export { AtrackerClient, createAtrackerClient };
