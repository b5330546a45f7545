// The built-in demo world, as `imds-guard demo` runs it: `createMain` with overrides on the demo scenario
// tickets the broad profile (ops-automation) once, leaves the near miss (api-deployer) and the tight one
// (app-reader) alone, and catches audit-bot, broad only through its access group. `guardProfileByName`
// is the demo's way to show "a broad profile and its ticket" without an event.
import IamIdentityV1 from '@ibm-cloud/platform-services/iam-identity/v1.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningEmulator } from '#emulator/index.ts';
import { guardProfileByName } from '#functions/profile-guard/act.ts';
import { createMain } from '#functions/profile-guard/index.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import { runtimeLoader } from '#shared/runtime/guard.ts';
import { authFor, withEmulator } from '../../helpers/emulator.ts';
import { type AtEventLike, detailOf, paramsFor, responseOf } from './support.ts';

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await withEmulator();
});

afterAll(async () => {
  await emu.close();
});

const env = () => ({
  IMDS_GUARD_ENDPOINT: emu.url,
  IMDS_GUARD_APIKEY: 'imds-guard-demo-key',
  IMDS_GUARD_POLICY: JSON.stringify({ profiles: { ticket: { sink: 'case-management' } } }),
});

describe('profile-guard on the demo world', () => {
  test('an update to ops-automation opens its ticket; the demo hook then finds it unchanged', async () => {
    // Prepare: alice edits ops-automation; the emulator emits the event the guard receives.
    const alice = new IamIdentityV1({
      authenticator: authFor(emu.url, 'alice-demo-key'),
      serviceUrl: emu.url,
    });
    const account = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { account: { id: string } };
    const [ops] = (await alice.listProfiles({ accountId: account.account.id, name: 'ops-automation' })).result
      .profiles;
    if (!ops) throw new Error('no ops-automation in the demo world');
    await alice.updateProfile({
      profileId: ops.id,
      ifMatch: ops.entity_tag ?? '*',
      description: 'still far too much',
    });
    const { events } = (await (
      await fetch(`${emu.url}/_emulator/events?action=iam-identity.account-profile.update`)
    ).json()) as { events: AtEventLike[] };
    const event = events.at(-1) as AtEventLike;
    const main = createMain({ env: env(), logger: memoryLogger() });

    // Act
    const res = responseOf(await main(paramsFor(event)));
    const rt = await runtimeLoader('profile-guard', { env: env(), logger: memoryLogger() })();
    const again = await guardProfileByName(rt, 'ops-automation');

    // Assess
    const [d] = res.decisions;
    expect(d?.outcome).toBe('ticket_opened');
    expect(d?.target_crn).toBe(ops.crn);
    const detail = detailOf(d as NonNullable<typeof d>);
    expect(detail.ticket.id).toMatch(/^CS\d{7}$/);
    expect(detail.findings.map((f) => f.rule_id)).toEqual(
      expect.arrayContaining([
        'broad-role-all-services',
        'vsi-rule-unpinned',
        'long-session',
        'exposed-privileged-vsi',
      ]),
    );
    expect(again?.outcome).toBe('ignored');
    expect(again && detailOf(again).ticket.id).toBe(detail.ticket.id);
  });

  test.each([
    { name: 'api-deployer', outcome: 'compliant' },
    { name: 'app-reader', outcome: 'compliant' },
    { name: 'audit-bot', outcome: 'ticket_opened' },
  ])('$name → $outcome', async ({ name, outcome }) => {
    // Prepare
    const rt = await runtimeLoader('profile-guard', { env: env(), logger: memoryLogger() })();

    // Act
    const d = await guardProfileByName(rt, name);

    // Assess
    expect(d?.outcome).toBe(outcome);
  });
});
