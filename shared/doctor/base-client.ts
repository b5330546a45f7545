// The one read every thin doctor client (atracker-client.ts, code-engine-client.ts) makes on sdk-core's
// BaseService: a GET for JSON with IBM's SDK User-Agent naming the operation.
import { BaseService } from 'ibm-cloud-sdk-core';

interface Response<T> {
  status: number;
  result: T;
}

class DoctorClient extends BaseService {
  protected get<T>(
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
}

export type { Response };
export { DoctorClient };
