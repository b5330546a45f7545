// ChangeEvent + initiator → an Activity Tracker event in IBM's CADF shape (events-and-code-engine.md §1).
import { STATUS_CODES } from 'node:http';
import type { ChangeEvent } from '../core/context.ts';
import { atEventTime, crnAccount } from '../core/ids.ts';
import type { ApiKeyRecord, CallerKind } from '../core/state.ts';

interface AtInitiator {
  id: string;
  name: string;
  typeURI: string;
  authnId?: string;
  authnName?: string;
  credential: { type: string };
  host: { address: string; addressType: string; agent: string };
}

/** The AT event the emulator emits (field order as in IBM's published samples). */
interface AtEvent {
  eventTime: string;
  action: string;
  outcome: 'success' | 'failure';
  message: string;
  severity: 'normal' | 'warning' | 'critical';
  dataEvent: false;
  id: string;
  correlationId: string;
  logSourceCRN: string;
  saveServiceCopy: true;
  observer: { name: 'ActivityTracker' };
  initiator: AtInitiator;
  target: { id: string; name: string; typeURI: string; resourceGroupId?: string };
  reason: { reasonCode: number; reasonType: string; reasonForFailure?: string };
  requestData: Record<string, unknown>;
  responseData: Record<string, unknown>;
}

interface BuildDeps {
  now: () => Date;
  uuid: () => string;
  /** The emulated account, for CRNs when the target carries none. */
  account: string;
  /** Resolves a trusted profile's name (initiator.name of profile tokens, IAM-TPMON). */
  profileName?: (profileId: string) => string | undefined;
}

const TYPE_URI = {
  user: 'service/security/account/user',
  serviceid: 'service/security/account/serviceid',
  profile: 'service/security/account/profile',
} satisfies Record<CallerKind, string>;

const CRITICAL_CODES = new Set([401, 403, 503, 507]);

/** AT-EVT's code mapping for failures; otherwise creates are routine and changes are warnings. */
const severityOf = (change: ChangeEvent, outcome: AtEvent['outcome']): AtEvent['severity'] => {
  if (change.severity) return change.severity;
  if (outcome === 'failure') return CRITICAL_CODES.has(change.reasonCode) ? 'critical' : 'warning';
  const verb = change.action.split('.').pop() ?? '';
  return verb === 'update' || verb === 'delete' ? 'warning' : 'normal';
};

const reasonTypeOf = (code: number): string => STATUS_CODES[code] ?? `HTTP ${code}`;

/** IBM-service initiator for changes nobody authenticated for (scenario scripts, platform actions). */
const systemInitiator = (): AtInitiator => ({
  id: 'IBM',
  name: 'IBM',
  typeURI: 'service/security/clientid',
  credential: { type: 'token' },
  host: { address: '', addressType: 'IPv4', agent: '' },
});

const initiatorOf = (change: ChangeEvent, key: ApiKeyRecord | undefined, deps: BuildDeps): AtInitiator => {
  if (!key) return systemInitiator();
  const address = change.address ?? '127.0.0.1';
  const host = { address, addressType: 'IPv4', agent: change.userAgent ?? address };
  if (key.kind === 'profile') {
    // initiator.id/name = the profile applied; authnId/authnName = the compute resource that applied it.
    const profileName = key.profile_id ? deps.profileName?.(key.profile_id) : undefined;
    return {
      id: key.iam_id,
      name: profileName ?? key.name,
      typeURI: TYPE_URI.profile,
      authnId:
        key.authn_id ?? `crn-crn:v1:bluemix:public:is:global:a/${deps.account}::compute-resource:${key.name}`,
      authnName: key.name,
      credential: { type: 'profile' },
      host,
    };
  }
  return {
    id: key.iam_id,
    name: key.name,
    typeURI: TYPE_URI[key.kind],
    credential: { type: 'apikey' },
    host,
  };
};

/** `is.instance.instance.create` → `is`; `iam-identity.account-profile.update` → `iam-identity`. */
const crnServiceOf = (change: ChangeEvent): string => {
  const fromTarget = change.target.id.startsWith('crn:') ? change.target.id.split(':')[4] : undefined;
  return fromTarget || (change.action.split('.')[0] ?? 'unknown');
};

// VPC samples use the target's CRN as logSourceCRN; IAM samples use the service's account-level CRN.
const logSourceOf = (change: ChangeEvent, account: string): string => {
  if (change.logSourceCRN) return change.logSourceCRN;
  const service = crnServiceOf(change);
  if (service === 'is' && change.target.id.startsWith('crn:')) return change.target.id;
  const acct = crnAccount(change.target.id) ?? account;
  const location = change.location === 'global' ? '' : change.location;
  return `crn:v1:bluemix:public:${service}:${location}:a/${acct}::`;
};

const messageOf = (change: ChangeEvent, outcome: AtEvent['outcome']): string =>
  outcome === 'failure' && !/-failure$/.test(change.message) ? `${change.message} -failure` : change.message;

const buildAtEvent = (change: ChangeEvent, caller: ApiKeyRecord | undefined, deps: BuildDeps): AtEvent => {
  const outcome = change.outcome ?? (change.reasonCode >= 400 ? 'failure' : 'success');
  const id = deps.uuid();
  const correlationId = deps.uuid();
  // Every documented VPC event carries generation and requestId (VPC-SNAP, VPC-CBR).
  const requestData = change.action.startsWith('is.')
    ? { generation: '2', requestId: deps.uuid(), ...change.requestData }
    : { ...change.requestData };
  return {
    eventTime: atEventTime(deps.now()),
    action: change.action,
    outcome,
    message: messageOf(change, outcome),
    severity: severityOf(change, outcome),
    dataEvent: false,
    id,
    correlationId,
    logSourceCRN: logSourceOf(change, deps.account),
    saveServiceCopy: true,
    observer: { name: 'ActivityTracker' },
    initiator: initiatorOf(change, change.initiator ?? caller, deps),
    target: {
      id: change.target.id,
      name: change.target.name,
      typeURI: change.target.typeURI,
      ...(change.target.resourceGroupId ? { resourceGroupId: change.target.resourceGroupId } : {}),
    },
    reason: {
      reasonCode: change.reasonCode,
      reasonType: change.reasonType ?? reasonTypeOf(change.reasonCode),
      ...(outcome === 'failure'
        ? { reasonForFailure: change.reasonForFailure ?? reasonTypeOf(change.reasonCode) }
        : {}),
    },
    requestData,
    responseData: { ...change.responseData },
  };
};

export type { AtEvent, AtInitiator, BuildDeps };
export { buildAtEvent };
