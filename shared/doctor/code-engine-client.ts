// Thin typed Code Engine API v2 client on sdk-core's BaseService, mirroring IBM's CodeEngineV2 SDKs
// (IBM/code-engine-go-sdk codeenginev2): the reads doctor makes — projects (paged by `start`), and one
// function, app, job or config map by name. The API has no subscription resources to read.
import type { UserOptions } from 'ibm-cloud-sdk-core';
import { DoctorClient, type Response } from './base-client.ts';

interface CeProject {
  id: string;
  name: string;
  crn?: string;
  region?: string;
  status?: string;
}

interface CeEnvVar {
  type: string;
  name?: string;
  value?: string;
  reference?: string;
}

interface CeComponent {
  id?: string;
  name: string;
  status?: string;
  /** Functions. */
  runtime?: string;
  code_reference?: string;
  /** Apps and jobs. */
  image_reference?: string;
  run_env_variables?: CeEnvVar[];
}

interface CeConfigMap {
  name: string;
  data?: Record<string, string>;
}

type ComponentKind = 'function' | 'app' | 'job';

const COLLECTION = { function: 'functions', app: 'apps', job: 'jobs' } as const satisfies Record<
  ComponentKind,
  string
>;

class CodeEngineClient extends DoctorClient {
  static override DEFAULT_SERVICE_NAME = 'code_engine';

  listProjects(
    params: { limit?: number; start?: string } = {},
  ): Promise<Response<{ projects: CeProject[]; next?: { start?: string } }>> {
    return this.get('/projects', 'list_projects', undefined, {
      ...(params.limit !== undefined ? { limit: params.limit } : {}),
      ...(params.start !== undefined ? { start: params.start } : {}),
    });
  }

  /** `getFunction` / `getApp` / `getJob` of the SDK, by kind. */
  getComponent(kind: ComponentKind, projectId: string, name: string): Promise<Response<CeComponent>> {
    return this.get(`/projects/{project_id}/${COLLECTION[kind]}/{name}`, `get_${kind}`, {
      project_id: projectId,
      name,
    });
  }

  getConfigMap(projectId: string, name: string): Promise<Response<CeConfigMap>> {
    return this.get('/projects/{project_id}/config_maps/{name}', 'get_config_map', {
      project_id: projectId,
      name,
    });
  }
}

const createCodeEngineClient = (options: UserOptions): CodeEngineClient => new CodeEngineClient(options);

export type { CeComponent, CeConfigMap, CeProject, ComponentKind };
export { CodeEngineClient, createCodeEngineClient };
