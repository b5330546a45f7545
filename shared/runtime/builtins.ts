// Node built-ins a cold start may not need, loaded on first use. `node:https` (with tls) and
// `node:zlib` cost a few ms each to load; a function talking plain HTTP to a local endpoint, or
// receiving no compressed answer, never loads them (`npm run bench remediation`, cold row).
import { createRequire } from 'node:module';

// Built-ins resolve the same from any base path; '/' works in the CJS bundles and under tsx alike.
const load = createRequire('/');

/** `name`'s module, required on the first call and kept. */
const lazyBuiltin = <T>(name: string): (() => T) => {
  let mod: T | undefined;
  return () => {
    mod ??= load(name) as T;
    return mod;
  };
};

const https = lazyBuiltin<typeof import('node:https')>('node:https');
const zlib = lazyBuiltin<typeof import('node:zlib')>('node:zlib');

export { https, zlib };
