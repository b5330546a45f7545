// The rules doing their job, in a throwaway network namespace with a stand-in metadata service on
// 169.254.169.254: applied twice as each file's header says (one rule set remains), then connections
// as each kind of user are let through or reset.
import { describe, expect, test } from 'vitest';
import { ACCOUNTS } from './accounts.ts';
import { connectAs, generate, idOf, startMetadataStub, type Who, withNetns } from './helpers.ts';
import { BACKENDS, type Backend } from './rulesets.ts';

const user = (name: string, groups?: string): Who => ({
  uid: idOf('-u', name),
  gid: idOf('-g', name),
  groups,
});
const ROOT: Who = { uid: 0, gid: 0 };

interface Attempt {
  who: string;
  as: Who;
  port: number;
  want: 'connected' | 'refused';
}

const attemptAll = async (ns: string, attempts: Attempt[]): Promise<Record<string, string>> => {
  const seen: Record<string, string> = {};
  for (const a of attempts) seen[`${a.who} → :${a.port}`] = await connectAs(ns, a.as, a.port);
  return seen;
};

const expected = (attempts: Attempt[]): Record<string, string> =>
  Object.fromEntries(attempts.map((a) => [`${a.who} → :${a.port}`, a.want]));

const scenario = async (
  backend: Backend,
  args: string[],
  rules: number,
  attempts: Attempt[],
): Promise<void> => {
  const text = await generate([...args, '--format', backend]);
  await withNetns(async (ns) => {
    const stop = await startMetadataStub(ns);
    try {
      // Act: apply twice.
      await BACKENDS[backend].apply(ns, text);
      await BACKENDS[backend].apply(ns, text);
      // Assess
      expect(await BACKENDS[backend].count(ns)).toEqual({ hooks: 1, rules });
      expect(await attemptAll(ns, attempts)).toEqual(expected(attempts));
    } finally {
      stop();
    }
  });
};

describe.each(['nftables', 'iptables'] as const)('%s', (backend) => {
  test("deny form (IBM's first example): listed users are reset on http and https, others pass", async () => {
    await scenario(backend, ['--deny-user', `${ACCOUNTS.denied},${ACCOUNTS.unnamedUid}`], 2, [
      { who: 'denied', as: user(ACCOUNTS.denied), port: 80, want: 'refused' },
      { who: 'denied', as: user(ACCOUNTS.denied), port: 443, want: 'refused' },
      {
        who: 'uid 4242',
        as: { uid: ACCOUNTS.unnamedUid, gid: ACCOUNTS.unnamedUid },
        port: 80,
        want: 'refused',
      },
      { who: 'denied, another port', as: user(ACCOUNTS.denied), port: 8080, want: 'connected' },
      { who: 'allowed', as: user(ACCOUNTS.allowed), port: 80, want: 'connected' },
      { who: 'root', as: ROOT, port: 443, want: 'connected' },
    ]);
  });

  test("allow form (IBM's second example): listed users and the group pass, everyone else is reset, root too", async () => {
    // Supplementary groups: iptables sees them (--suppl-groups), nftables cannot (documented in its header).
    const member = backend === 'iptables' ? 'connected' : 'refused';
    await scenario(backend, ['--allow-user', ACCOUNTS.allowed, '--allow-group', ACCOUNTS.group], 3, [
      { who: 'allowed', as: user(ACCOUNTS.allowed), port: 80, want: 'connected' },
      { who: 'allowed', as: user(ACCOUNTS.allowed), port: 443, want: 'connected' },
      { who: 'primary group', as: user(ACCOUNTS.primary), port: 443, want: 'connected' },
      { who: 'supplementary member', as: user(ACCOUNTS.member, ACCOUNTS.group), port: 80, want: member },
      { who: 'denied', as: user(ACCOUNTS.denied), port: 80, want: 'refused' },
      { who: 'root', as: ROOT, port: 80, want: 'refused' },
      { who: 'root, another port', as: ROOT, port: 8080, want: 'connected' },
    ]);
  });
});
