// The emulated read routes doctor depends on, through the clients doctor uses (sdk-core BaseService):
// IBM's shapes, paging, region scoping, and the roles IBM asks for (403 without them).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { atrackerUrl, codeEngineUrl } from '#shared/cloud/endpoints.ts';
import { loadConfig } from '#shared/config.ts';
import { createAtrackerClient } from '#shared/doctor/atracker-client.ts';
import { createCodeEngineClient } from '#shared/doctor/code-engine-client.ts';
import { authFor, envFor } from '../../helpers/emulator.ts';
import { demoScenario, GUARD_KEY, startWorld, type World } from './support.ts';

let world: World;

beforeAll(async () => {
  const scenario = demoScenario();
  // Three more projects in us-south and one in eu-de, to page and to scope by region.
  const projects = scenario.code_engine.projects;
  for (const name of ['p-2', 'p-3', 'p-4'])
    projects.push({ name, region: 'us-south', functions: [], apps: [], jobs: [] });
  projects.push({ name: 'eu-project', region: 'eu-de', functions: [], apps: [], jobs: [] });
  scenario.api_keys.push({ name: 'ce-viewer', key: 'ce-viewer-key', roles: { codeengine: ['Viewer'] } });
  world = await startWorld(scenario);
});

afterAll(async () => {
  await world.close();
});

const cfg = () => loadConfig(envFor(world.emu.url, GUARD_KEY));
const at = (key: string, region = 'us-south') =>
  createAtrackerClient({
    authenticator: authFor(`${world.emu.url}`, key),
    serviceUrl: atrackerUrl(cfg(), region),
  });
const ce = (key: string, region = 'us-south') =>
  createCodeEngineClient({
    authenticator: authFor(`${world.emu.url}`, key),
    serviceUrl: codeEngineUrl(cfg(), region),
  });

describe('Activity Tracker Event Routing', () => {
  test('targets in IBM shape (no API key), filtered by region; routes are account-wide', async () => {
    const all = (await at(GUARD_KEY).listTargets()).result.targets;
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      name: 'imds-guard-es',
      target_type: 'event_streams',
      region: 'us-south',
      eventstreams_endpoint: { topic: 'imds-guard-at-events', service_to_service_enabled: true },
      write_status: { status: 'success' },
      api_version: 2,
      managed_by: 'account',
    });
    expect(JSON.stringify(all[0])).not.toContain('api_key');
    expect((await at(GUARD_KEY).listTargets({ region: 'eu-de' })).result.targets).toEqual([]);
    const routes = (await at(GUARD_KEY, 'eu-de').listRoutes()).result.routes;
    expect(routes.map((r) => [r.name, r.rules])).toEqual([
      ['imds-guard', [{ locations: ['global', 'us-south', 'eu-de'], target_ids: [all[0]?.id] }]],
    ]);
  });

  test('403 without a platform role on atracker; 404 for a region without an endpoint', async () => {
    await expect(at('bob-demo-key').listRoutes()).rejects.toMatchObject({ status: 403 });
    await expect(at(GUARD_KEY, 'mars-north').listRoutes()).rejects.toMatchObject({ status: 404 });
  });
});

describe('Code Engine', () => {
  test('projects page by limit and start, and only this region’s', async () => {
    const client = ce(GUARD_KEY);
    const first = (await client.listProjects({ limit: 3 })).result;
    expect(first.projects.map((p) => p.name)).toEqual(['imds-guard', 'p-2', 'p-3']);
    const start = first.next?.start;
    expect(start).toBeTypeOf('string');
    const second = (await client.listProjects({ limit: 3, ...(start ? { start } : {}) })).result;
    expect(second.projects.map((p) => p.name)).toEqual(['p-4']);
    expect(second.next).toBeUndefined();
    const eu = (await ce(GUARD_KEY, 'eu-de').listProjects()).result.projects;
    expect(eu.map((p) => [p.name, p.region, (p as { resource_type?: string }).resource_type])).toEqual([
      ['eu-project', 'eu-de', 'project_v2'],
    ]);
  });

  test('components and config maps by name; another region’s endpoint does not see the project', async () => {
    const client = ce(GUARD_KEY);
    const id = (await client.listProjects()).result.projects[0]?.id ?? '';
    const fn = (await client.getComponent('function', id, 'sweep')).result;
    expect(fn).toMatchObject({
      name: 'sweep',
      runtime: 'nodejs-22',
      status: 'ready',
      resource_type: 'function_v2',
    });
    expect(fn.run_env_variables).toEqual([
      { type: 'config_map_full_reference', reference: 'imds-guard-config' },
      { type: 'config_map_full_reference', reference: 'imds-guard-settings' },
    ]);
    expect((await client.getComponent('job', id, 'imds-guard-bulk')).result).toMatchObject({
      run_mode: 'task',
    });
    expect((await client.getConfigMap(id, 'imds-guard-settings')).result.data).toEqual({
      IMDS_GUARD_LOG_LEVEL: 'info',
    });
    await expect(client.getComponent('app', id, 'nope')).rejects.toMatchObject({ status: 404 });
    await expect(ce(GUARD_KEY, 'eu-de').getConfigMap(id, 'imds-guard-settings')).rejects.toMatchObject({
      status: 404,
    });
  });

  test('Viewer lists projects; reading components needs Reader; no role at all is 403', async () => {
    const viewer = ce('ce-viewer-key');
    const id = (await viewer.listProjects()).result.projects[0]?.id ?? '';
    expect(id).not.toBe('');
    await expect(viewer.getComponent('function', id, 'sweep')).rejects.toMatchObject({ status: 403 });
    await expect(ce('bob-demo-key').listProjects()).rejects.toMatchObject({ status: 403 });
  });
});
