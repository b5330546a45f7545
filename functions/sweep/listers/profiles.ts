// Trusted profiles: the account's, 100 per page (IAM is global: one lane), each through guardProfile.
import { cloudCall, withRetry } from '#shared/runtime/retry.ts';
import { runListing, startOf } from '../listing.ts';
import { type Decided, giveBack, heldBack, type Pass, takeSlot, type Work } from '../pass.ts';
import { failedResult } from '../run-context.ts';

const PROFILE_PAGE = 100;

const profileWork =
  (pass: Pass, id: string, crn: string): Work =>
  async (mode) => {
    const { run } = pass;
    const ctxs = run.profiles;
    const guard = run.guardProfile;
    if (!ctxs || !guard) throw new Error('profiles are not part of this run');
    const slot = mode === 'apply' && takeSlot(pass);
    const use = slot ? ctxs.apply : ctxs.plan;
    let result: Decided['result'];
    try {
      result = await guard(use, { profileId: id, via: run.o.fn });
    } catch (err) {
      result = { ...failedResult(err), detail: { profile: { id } } };
    }
    if (slot) giveBack(pass, result);
    const held = mode === 'apply' && !slot;
    return { kind: 'profile', crn, result: held ? heldBack(pass, result) : result, ctxRt: use.rt };
  };

/** The account's profile listing, when profiles are included (resumed from its page token). */
const startProfiles = (pass: Pass): Promise<void>[] => {
  const { run } = pass;
  const { resume } = run.o;
  const ctxs = run.profiles;
  if (!ctxs || (resume && resume.profiles === undefined)) return [];
  const accountId = ctxs.apply.self.account?.bss;
  return [
    runListing(pass, {
      state: pass.stats.profiles(),
      lane: run.lanes.global('iam'),
      from: resume ? (resume.profiles ?? null) : null,
      what: 'trusted profiles',
      fetch: async (token) => {
        if (!accountId) throw new Error("the guard's token names no account (account.bss)");
        const identity = await ctxs.apply.clients.identity();
        const params = { accountId, pagesize: PROFILE_PAGE, ...(token !== null ? { pagetoken: token } : {}) };
        const res = await withRetry(() => cloudCall(identity.listProfiles(params)), {
          attempts: 3,
          deadline: run.apply.deadline,
        });
        const next = startOf(res.result.next, 'pagetoken');
        return { items: res.result.profiles, next };
      },
      owns: (p) => run.assignment.ownsProfile(p.id),
      share: run.assignment.profileShare,
      handle: (p) => profileWork(pass, p.id, p.crn),
      onIncomplete: (at) => {
        pass.resume.profiles = at;
      },
    }),
  ];
};

export { startProfiles };
