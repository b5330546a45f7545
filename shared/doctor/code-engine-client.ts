// Thin typed Code Engine API v2 client on sdk-core's BaseService, mirroring IBM's CodeEngineV2 SDKs
// (IBM/code-engine-go-sdk codeenginev2): the reads doctor makes — projects (paged by `start`), and one
// function, app, job or config map by name. The API has no subscription resources to read.
import { BaseService, type UserOptions } from 'ibm-cloud-sdk-core';

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

interface Response<T> {
  status: number;
  result: T;
}

type ComponentKind = 'function' | 'app' | 'job';

const COLLECTION = { function: 'functions', app: 'apps', job: 'jobs' } as const satisfies Record<
  ComponentKind,
  string
>;

class CodeEngineClient extends BaseService {
  static override DEFAULT_SERVICE_NAME = 'code_engine';

  private get<T>(
    url: string,
    operation: string,
    path?: Record<string, string>,
    qs?: Record<string, string | number>,
  ): Promise<Response<T>> {
    const base = this.baseOptions as { headers?: Record<string, string> };
    return this.createRequest({
      options: { url, method: 'GET', ...(path ? { path } : {}), ...(qs ? { qs } : {}) },
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
