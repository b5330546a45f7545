// The sweep's answer to anything but a cron ping (or `{"mode":"sweep"}`): events are the guards' (202),
// bad input is 400. Never a 5xx: nothing here gets better by redelivery.
import type { DecodeResult } from '#events/decode.ts';
import type { CeResponse } from '#shared/runtime/ce-params.ts';

/** Anything but a ping is not the sweep's: events go to the guards (202), bad input is 400. */
const notAPing = (d: DecodeResult): CeResponse => ({
  statusCode: d.ok ? 202 : 400,
  headers: { 'Content-Type': 'application/json' },
  body: {
    outcome: d.ok ? 'ignored' : 'refused',
    reason: d.ok
      ? `${d.kind} delivery: the sweep runs on a cron ping (or {"mode":"sweep"}); events go to instance-guard and profile-guard`
      : `not a cron ping or {"mode":"sweep"} request: ${d.reason}`,
    decisions: [],
  },
});

export { notAPing };
