// Thin typed Activity Tracker Event Routing v2 client on sdk-core's BaseService, mirroring IBM's AtrackerV2
// SDKs (IBM/platform-services-go-sdk atrackerv2; no Node package ships it): the two reads doctor makes,
// `listTargets` → `GET /api/v2/targets` and `listRoutes` → `GET /api/v2/routes`.
import type { UserOptions } from 'ibm-cloud-sdk-core';
import { DoctorClient, type Response } from './base-client.ts';

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

class AtrackerClient extends DoctorClient {
  static override DEFAULT_SERVICE_NAME = 'atracker';

  /** Every target of the account, or of one region. */
  listTargets(params: { region?: string } = {}): Promise<Response<{ targets: AtTarget[] }>> {
    return this.get(
      '/api/v2/targets',
      'list_targets',
      undefined,
      params.region ? { region: params.region } : undefined,
    );
  }

  /** Routes are account-wide: any region's endpoint lists them all. */
  listRoutes(): Promise<Response<{ routes: AtRoute[] }>> {
    return this.get('/api/v2/routes', 'list_routes');
  }
}

const createAtrackerClient = (options: UserOptions): AtrackerClient => new AtrackerClient(options);

export type { AtRoute, AtTarget };
export { AtrackerClient, createAtrackerClient };
