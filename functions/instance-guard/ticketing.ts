// What the instance guard needs only when a person must be told or asked: the profiles' ticket sink and
// its clients, the ticket texts, and the trusted-profile link lookup (~40 KB of the acting bundle). A
// plain remediation needs none of it, so the acting code imports this module on first use and a cold
// start does not parse it (scripts/build.mjs builds it as its own file). Its errors are recognised by
// the acting file's copy of their classes (shared/errors.ts `crossCopy`).
export { sinkFailureReason, ticketFor } from '../profile-guard/sink.ts';
export { settleStopped } from './image-ticket.ts';
export { linkedProfiles } from './rollout-links.ts';
export { rolloutTicketable } from './rollout-ticket.ts';
