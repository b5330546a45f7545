import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { buildState } from '#emulator/scenario/build.ts';
import {
  type GenerateOptions,
  generateScenario,
  generateState,
  mulberry32,
  parseGenerateOptions,
} from '#emulator/scenario/generate.ts';
import { loadScenarioObject, ScenarioError } from '#emulator/scenario/load.ts';
import { ScenarioDoc } from '#emulator/scenario/schema.ts';

const instancesOf = (doc: ScenarioDoc) => doc.regions.flatMap((r) => r.instances);

describe('generateScenario', () => {
  test('is deterministic: same seed → identical document and ids; another seed → different', () => {
    // Prepare
    const opts: GenerateOptions = { instances: 500, regions: 3, seed: 'alpha', profiles: 10 };
    // Act
    const a = generateScenario(opts);
    const b = generateScenario(opts);
    const c = generateScenario({ ...opts, seed: 'beta' });
    // Assess
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(instancesOf(c).map((i) => i.metadata_service)).not.toEqual(
      instancesOf(a).map((i) => i.metadata_service),
    );
    const ids = (o: GenerateOptions) => [
      ...(generateState(o).regionState('us-south')?.instances.keys() ?? []),
    ];
    expect(ids(opts)).toEqual(ids(opts));
    expect(ids({ ...opts, seed: 'beta' })[0]).not.toBe(ids(opts)[0]);
  });

  test('mulberry32 is a seeded stream in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  test('spreads instances over real region names first, then synthetic ones', () => {
    // Act
    const doc = generateScenario({ instances: 25, regions: 12, profiles: 0 });
    // Assess
    expect(doc.regions.map((r) => r.name)).toEqual([
      'us-south',
      'us-east',
      'eu-de',
      'eu-gb',
      'jp-tok',
      'jp-osa',
      'au-syd',
      'ca-tor',
      'br-sao',
      'eu-es',
      'gen-11',
      'gen-12',
    ]);
    expect(doc.regions.map((r) => r.instances.length)).toEqual([3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    expect(doc.regions.every((r) => r.vpcs.length === 3 && r.templates.length === 2)).toBe(true);
  });

  test('the metadata mix, exemptions and container hosts are within tolerance', () => {
    // Prepare
    const n = 20_000;
    // Act
    const all = instancesOf(generateScenario({ instances: n, regions: 4, seed: 'mix' }));
    // Assess
    const share = (pred: (i: (typeof all)[number]) => boolean) => all.filter(pred).length / n;
    const ms = (i: (typeof all)[number]) => i.metadata_service;
    expect(all).toHaveLength(n);
    expect(share((i) => !ms(i).enabled)).toBeCloseTo(0.4, 1);
    expect(share((i) => ms(i).enabled && ms(i).protocol === 'http')).toBeCloseTo(0.3, 1);
    expect(
      share((i) => ms(i).enabled && ms(i).protocol === 'https' && ms(i).response_hop_limit === 1),
    ).toBeCloseTo(0.2, 1);
    expect(
      share((i) => ms(i).enabled && ms(i).protocol === 'https' && ms(i).response_hop_limit > 1),
    ).toBeCloseTo(0.1, 1);
    const exempt = share((i) => i.tags?.access.includes('imds-guard:exempt') ?? false);
    const container = share((i) => i.tags?.access.includes('imds-guard:container-host') ?? false);
    expect(exempt).toBeGreaterThan(0.01);
    expect(exempt).toBeLessThan(0.03);
    expect(container).toBeGreaterThan(0.04);
    expect(container).toBeLessThan(0.06);
    expect(share((i) => (i.tags?.user.length ?? 0) > 0)).toBeGreaterThan(0.5);
    // An image that requires the metadata service only runs with the service on.
    const agents = all.filter((i) => i.image === 'imds-agent-image');
    expect(agents.length).toBeGreaterThan(0);
    expect(agents.every((i) => i.metadata_service.enabled)).toBe(true);
  });

  test('profiles mix broad, broad-through-group, near-miss and tight, linked to instances', () => {
    // Act
    const doc = generateScenario({ instances: 200, regions: 2, profiles: 10 });
    const state = generateState({ instances: 200, regions: 2, profiles: 10 });
    // Assess
    const kinds = doc.profiles.map((p) => p.name.replace(/-profile-\d+$/, ''));
    expect(kinds.filter((k) => k === 'broad')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'group-broad')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'near-miss')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'tight')).toHaveLength(4);
    const broad = doc.profiles.find((p) => p.name.startsWith('broad-'));
    expect(broad?.policies[0]).toMatchObject({
      roles: ['Administrator'],
      resource: { serviceType: 'service' },
    });
    expect(broad?.rules[0]).toMatchObject({ expiration: 43200, conditions: [{ claim: 'vpc_id' }] });
    const tight = doc.profiles.find((p) => p.name.startsWith('tight-'));
    expect(tight?.rules[0]).toMatchObject({
      expiration: 900,
      conditions: [{ claim: 'crn', operator: 'EQUALS' }],
    });
    expect(doc.profiles.filter((p) => p.access_groups.includes('platform-admins'))).toHaveLength(2);
    expect([...state.profiles.values()].every((p) => p.links.length >= 1)).toBe(true);
    const keys = [...state.apiKeys.values()].map((k) => k.key);
    expect(keys).toEqual(expect.arrayContaining(['imds-guard-demo-key', 'alice-demo-key']));
  });

  test.each<GenerateOptions>([
    { instances: 0 },
    { instances: 1, profiles: 0 },
    { instances: 0, profiles: 5 },
    { instances: 37, regions: 7, profiles: 13, seed: 's' },
    { instances: 50, regions: 2, templatesPerRegion: 0, groupsPerRegion: 0 },
    {
      instances: 50,
      regions: 2,
      templatesPerRegion: 3,
      groupsPerRegion: 4,
      resourceGroups: 12,
      vpcsPerRegion: 5,
    },
    { instances: 30, regions: 11, profiles: 25 },
  ])('every generated document validates unchanged and loads (%o)', (opts) => {
    // Act
    const doc = generateScenario(opts);
    const validated = v.parse(ScenarioDoc, doc);
    const state = loadScenarioObject(doc);
    // Assess — the fast path (buildState without validation) sees exactly what validation would give
    expect(validated).toEqual(doc);
    expect(state.counts().instances).toBe(opts.instances);
    expect(generateState(opts).counts()).toEqual(state.counts());
  });

  test('bad options are a ScenarioError naming the option', () => {
    const bad: unknown[] = [
      { instances: -1 },
      { instances: 1.5 },
      {},
      { instances: 10, regions: 0 },
      { instances: 10, colour: 'blue' },
      { instances: 10, templatesPerRegion: 0, groupsPerRegion: 1 },
    ];
    for (const raw of bad) expect(() => parseGenerateOptions(raw)).toThrow(ScenarioError);
    const err = (() => {
      try {
        parseGenerateOptions({ instances: 10, regions: 0 });
      } catch (e) {
        return e as ScenarioError;
      }
      return undefined;
    })();
    expect(err?.issues[0]?.path).toBe('regions');
  });

  test('a 10,000-instance account generates and loads, fast path and validated path alike', () => {
    // Prepare
    const opts: GenerateOptions = { instances: 10_000, regions: 10, profiles: 50, seed: 'ten-k' };
    // Act
    const fast = generateState(opts);
    const slow = buildState(v.parse(ScenarioDoc, generateScenario(opts)));
    // Assess
    expect(fast.counts()).toMatchObject({ instances: 10_000, regions: 10, profiles: 50 });
    const sample = (s: typeof fast) => [...(s.regionState('eu-es')?.instances.values() ?? [])].slice(0, 50);
    expect(sample(fast)).toEqual(sample(slow));
    expect([...fast.tags.entries()].slice(0, 100)).toEqual([...slow.tags.entries()].slice(0, 100));
  });
});
