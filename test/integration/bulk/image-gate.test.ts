// Issue 9, defect 6 in bulk: a scan or sweep over an account where some instances run an image whose
// allowed use requires the metadata service ("538 of 20,020 decisions" failed with IBM's 400 on every
// sweep) sends no PATCH IBM must refuse, and reads each image once per run and region, not once per
// instance. The generated account puts the agent image on about 5 % of the enabled instances.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { JournalEntry } from '#emulator/core/journal.ts';
import type { DecisionRecord } from '#shared/audit/decision.ts';
import type { PolicyInput } from '#shared/policy/schema.ts';
import { type Account, count, crnsOnce, startAccount } from './support.ts';

const REGIONS = 4;
const DISABLE: PolicyInput = {
  instances: { default: { mode: 'disable' }, exemptions: { access_tags: [] } },
  templates: { mode: 'replace' },
};

let account: Account;
/** image id → its name, and the agent image's instance CRNs, from the emulator's state. */
let imageName: Map<string, string>;
let agentCrns: Set<string>;

beforeAll(async () => {
  account = await startAccount({ instances: 2000, regions: REGIONS, seed: 'bulk-image-gate', profiles: 0 });
  imageName = new Map();
  agentCrns = new Set();
  for (const region of account.emu.emulator.state.regions.values()) {
    for (const im of region.images.values()) imageName.set(im.id, im.name);
    for (const i of region.instances.values())
      if (i.image_id && imageName.get(i.image_id) === 'imds-agent-image' && i.metadata_service.enabled)
        agentCrns.add(i.crn);
  }
});

afterAll(async () => {
  await account.close();
});

const imageReads = (journal: JournalEntry[]): JournalEntry[] =>
  journal.filter((e) => e.method === 'GET' && /\/images\/[^/]+$/.test(e.path));

/** Reads per (region, image): never more than one each. */
const readsPerImage = (journal: JournalEntry[]): number[] => {
  const per = new Map<string, number>();
  for (const e of imageReads(journal)) {
    const key = `${e.region ?? ''} ${e.path}`;
    per.set(key, (per.get(key) ?? 0) + 1);
  }
  return [...per.values()];
};

/** Decisions the image gate turned into secure access (the reason says so, after a plan's prefix). */
const fallbacks = (records: DecisionRecord[]): DecisionRecord[] =>
  records.filter((r) => r.detail?.fallback === 'secure');

describe('scan over an account with images that require the metadata service, policy disable', () => {
  test('plan: the agent-image instances are planned with secure access, each image read once', async () => {
    // Prepare
    const since = await account.mark();

    // Act
    const { records, summary } = await account.scan(DISABLE);

    // Assess
    crnsOnce(records);
    expect(summary).toMatchObject({ complete: true, failures: 0, mode: 'plan' });
    expect(agentCrns.size).toBeGreaterThan(20);
    const planned = fallbacks(records);
    expect(new Set(planned.map((r) => r.target_crn))).toEqual(agentCrns);
    expect(planned.every((r) => r.reason?.includes('fallback: image requires the metadata service'))).toBe(
      true,
    );
    // Those with secure access already need nothing; the others would get it.
    expect(count(planned, 'planned') + count(planned, 'compliant')).toBe(planned.length);
    expect(count(planned, 'planned')).toBeGreaterThan(0);
    const journal = await account.journal(since, 'vpc');
    // 3 images per region at most, whatever the number of instances.
    expect(imageReads(journal).length).toBeLessThanOrEqual(3 * REGIONS);
    expect(readsPerImage(journal).every((n) => n === 1)).toBe(true);
  });

  test('apply: 0 PATCHes refused, the agent instances get secure access, the rest are disabled', async () => {
    // Prepare
    const since = await account.mark();

    // Act
    const { records, summary } = await account.scan(DISABLE, { apply: true });

    // Assess
    expect(summary).toMatchObject({ complete: true, failures: 0, mode: 'apply' });
    expect(count(records, 'failed')).toBe(0);
    const journal = await account.journal(since, 'vpc');
    const patches = journal.filter((e) => e.method === 'PATCH');
    expect(patches.length).toBeGreaterThan(1000);
    expect(patches.filter((e) => e.status >= 400)).toEqual([]);
    expect(journal.filter((e) => e.method === 'POST' && e.status >= 400)).toEqual([]);
    expect(new Set(fallbacks(records).map((r) => r.target_crn))).toEqual(agentCrns);
    const fell = fallbacks(records);
    expect(count(fell, 'remediated') + count(fell, 'compliant')).toBe(fell.length);
    expect(
      fell.filter((r) => r.outcome === 'remediated').every((r) => r.reason?.startsWith('fallback: ')),
    ).toBe(true);
    expect(readsPerImage(journal).every((n) => n === 1)).toBe(true);
    expect(imageReads(journal).length).toBeLessThanOrEqual(3 * REGIONS);
    for (const region of account.emu.emulator.state.regions.values())
      for (const i of region.instances.values()) {
        if (agentCrns.has(i.crn))
          expect(i.metadata_service).toMatchObject({
            enabled: true,
            protocol: 'https',
            response_hop_limit: 1,
          });
        else expect(i.metadata_service.enabled).toBe(false);
      }
  });

  test('a second sweep has nothing to do: no PATCH, each image read at most once', async () => {
    const since = await account.mark();
    const { records, summary } = await account.scan(DISABLE, { apply: true });
    expect(summary.changes).toEqual({ planned: 0, applied: 0 });
    expect(count(records, 'failed')).toBe(0);
    const journal = await account.journal(since, 'vpc');
    expect(journal.filter((e) => e.method === 'PATCH')).toEqual([]);
    // The agent instances (and the originals of replaced templates) are decided compliant only after
    // the gate: their image is read once per region, whatever the number of instances.
    expect(readsPerImage(journal).every((n) => n === 1)).toBe(true);
    expect(imageReads(journal).length).toBeLessThanOrEqual(2 * REGIONS);
  });
});
