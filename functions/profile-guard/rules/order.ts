// One order for findings everywhere (assessment, tickets, keys): most severe first, then by id.
import { SEVERITIES, type Severity } from '#shared/policy/profiles.ts';
import type { Finding } from './types.ts';

/** 0 for critical … 3 for low. */
const severityRank = (severity: Severity): number => SEVERITIES.indexOf(severity);

const compareFindings = (a: Finding, b: Finding): number =>
  severityRank(a.severity) - severityRank(b.severity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export { compareFindings, severityRank };
