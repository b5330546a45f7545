// One order for findings everywhere (assessment, tickets, keys), a profile's or a VPC's network posture's:
// most severe first, then by id.
import { SEVERITIES, type Severity } from '#shared/policy/profiles.ts';

/** 0 for critical … 3 for low. */
const severityRank = (severity: Severity): number => SEVERITIES.indexOf(severity);

const compareFindings = (
  a: { severity: Severity; id: string },
  b: { severity: Severity; id: string },
): number => severityRank(a.severity) - severityRank(b.severity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export { compareFindings, severityRank };
