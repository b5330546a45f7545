// `exemptions`: the policy's time-boxed exemptions (instances.exemptions.list and profiles.exempt_profiles)
// that end within 14 days, or have ended, so someone renews or removes them before the guard acts on those
// resources again. Access- and user-tag exemptions carry no end date in this policy: nothing expires there.
import { type Check, check, type DoctorContext } from './types.ts';

const SOON_DAYS = 14;
const DAY_MS = 86_400_000;

interface Dated {
  what: string;
  expires: string;
  ticket: string;
}

const datedOf = (ctx: DoctorContext): Dated[] => [
  ...ctx.policy.instances.exemptions.list.map((e) => ({
    what: `instance ${e.match.name ?? e.match.id ?? e.match.crn ?? '?'}${e.match.region ? ` (${e.match.region})` : ''}`,
    expires: e.expires,
    ticket: e.ticket,
  })),
  ...ctx.policy.profiles.exempt_profiles.map((e) => ({
    what: `trusted profile ${e.name ?? e.id ?? '?'}`,
    expires: e.expires,
    ticket: e.ticket,
  })),
];

const checkExemptions = (ctx: DoctorContext): Check => {
  const now = ctx.now.getTime();
  const dated = datedOf(ctx);
  const ended = dated.filter((d) => Date.parse(d.expires) <= now);
  const soon = dated.filter((d) => {
    const at = Date.parse(d.expires);
    return at > now && at - now <= SOON_DAYS * DAY_MS;
  });
  const title = `no exemption ends within ${SOON_DAYS} days`;
  if (ended.length === 0 && soon.length === 0)
    return check(
      'exemptions',
      'ok',
      title,
      `${dated.length} time-boxed exemption${dated.length === 1 ? '' : 's'}, none ending before ${new Date(now + SOON_DAYS * DAY_MS).toISOString().slice(0, 10)}`,
    );
  const line = (d: Dated, verb: string): string => `${d.what} ${verb} ${d.expires} (ticket ${d.ticket})`;
  return check(
    'exemptions',
    'warn',
    title,
    [...ended.map((d) => line(d, 'ended at')), ...soon.map((d) => line(d, 'ends at'))].join('; '),
    [
      `renew (a new expires: with its approver and ticket) or remove them in ${ctx.manifestFile}, then deploy`,
    ],
  );
};

export { checkExemptions, SOON_DAYS };
