// What a deployment of imds-guard leaves in an account besides IAM: Activity Tracker Event Routing targets
// and routes, and Code Engine projects with their components. Compact records; the service modules
// (services/atracker.ts, services/code-engine.ts) render IBM's JSON on the way out.

/** `PUT /api/v2/targets/{id}` would change these; the emulator only reads them (doctor). */
interface AtTargetRec {
  id: string;
  name: string;
  crn: string;
  /** The region of the Event Routing endpoint that owns the target. */
  region: string;
  target_type: 'event_streams' | 'cloud_object_storage' | 'cloud_logs';
  eventstreams_endpoint?: {
    target_crn: string;
    brokers: string[];
    topic: string;
    service_to_service_enabled: boolean;
  };
  cos_endpoint?: {
    endpoint: string;
    target_crn: string;
    bucket: string;
    service_to_service_enabled: boolean;
  };
  cloudlogs_endpoint?: { target_crn: string };
  write_status: { status: 'success' | 'failed'; last_failure?: string; reason_for_last_failure?: string };
  created_at: string;
  updated_at: string;
}

interface AtRuleRec {
  target_ids: string[];
  locations: string[];
}

/** Routes are account-wide (not regional): every Event Routing endpoint lists the same ones. */
interface AtRouteRec {
  id: string;
  name: string;
  crn: string;
  version: number;
  rules: AtRuleRec[];
  created_at: string;
  updated_at: string;
}

interface CeEnvVarRec {
  type: 'literal' | 'config_map_full_reference' | 'secret_full_reference';
  name?: string;
  value?: string;
  reference?: string;
}

type CeComponentKind = 'function' | 'app' | 'job';

interface CeComponentRec {
  id: string;
  kind: CeComponentKind;
  name: string;
  created_at: string;
  /** Functions and apps: deploying | ready | failed | offline (functions) | warning (apps). Jobs have none. */
  status?: string;
  /** Functions: `nodejs-22`… */
  runtime?: string;
  /** Functions: the code bundle; apps and jobs: the image. */
  reference: string;
  run_env_variables: CeEnvVarRec[];
  scale_cpu_limit: string;
  scale_memory_limit: string;
  entity_tag: string;
}

interface CeConfigMapRec {
  id: string;
  name: string;
  data: Record<string, string>;
  created_at: string;
  entity_tag: string;
}

interface CeProjectRec {
  id: string;
  name: string;
  crn: string;
  region: string;
  resource_group_id: string;
  status: string;
  created_at: string;
  /** `function:<name>`, `app:<name>`, `job:<name>` → component. */
  components: Map<string, CeComponentRec>;
  configMaps: Map<string, CeConfigMapRec>;
  seq: number;
}

export type {
  AtRouteRec,
  AtRuleRec,
  AtTargetRec,
  CeComponentKind,
  CeComponentRec,
  CeConfigMapRec,
  CeEnvVarRec,
  CeProjectRec,
};
