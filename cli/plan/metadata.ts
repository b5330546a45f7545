// The metadata_service setting an ibm_is_instance or ibm_is_instance_template will have after apply,
// read from the plan the way the IBM provider builds its API request (terraform-provider-ibm
// ibm/service/vpc/resource_ibm_is_instance.go `GetInstanceMetadataServiceOptions`, and the deprecated
// `metadata_service_enabled`): what is written is sent, what is not is left to IBM's defaults (disabled,
// http, hop limit 1; ibm-api-facts §1.5), and what Terraform knows only after apply stays unknown.
import { IBM_DEFAULT_METADATA } from '#functions/instance-guard/decide.ts';
import type { InstanceMetadataService } from '#shared/cloud/vpc.ts';
import type { ResourceChange } from './read.ts';
import { configured, knownString, type PlanIndex, referencedAddress, slotAt } from './values.ts';

type PlannedMetadata =
  | { state: 'known'; value: InstanceMetadataService; notes: string[] }
  /** A template that sets none: its instances get IBM's default (decideTemplate says so itself). */
  | { state: 'absent'; notes: string[] }
  | { state: 'unknown'; why: string };

const FIELDS = ['enabled', 'protocol', 'response_hop_limit'] as const;
type Field = (typeof FIELDS)[number];

const INSTANCE = 'ibm_is_instance';
const TEMPLATE = 'ibm_is_instance_template';

const isCreate = (rc: ResourceChange): boolean => rc.change.actions.includes('create');

const valid = {
  enabled: (x: unknown) => typeof x === 'boolean',
  protocol: (x: unknown) => x === 'http' || x === 'https',
  response_hop_limit: (x: unknown) => typeof x === 'number' && Number.isInteger(x),
} satisfies Record<Field, (x: unknown) => boolean>;

const unknownField = (field: string): PlannedMetadata => ({
  state: 'unknown',
  why: `${field} is known only after apply`,
});

const NO_CONFIG =
  "the plan shows no configuration for it, so a value known only after apply cannot be told apart from one left to IBM's default";

/** The `metadata_service { … }` block, field by field; a field not written gets IBM's default. */
const fromBlock = (ix: PlanIndex, rc: ResourceChange, creating: boolean): PlannedMetadata => {
  const value: InstanceMetadataService = { ...IBM_DEFAULT_METADATA };
  const defaulted: Field[] = [];
  for (const field of FIELDS) {
    const slot = slotAt(rc.change, ['metadata_service', 0, field]);
    if (slot.state === 'known') {
      if (!valid[field](slot.value)) return unknownField(`metadata_service.${field}`);
      (value as Record<Field, unknown>)[field] = slot.value;
      continue;
    }
    // Updating: what is not written keeps the current value, which the plan shows as known.
    if (
      !creating ||
      (slot.state === 'unknown' && configured(ix, rc, ['metadata_service', 0, field]) !== false)
    )
      return unknownField(`metadata_service.${field}`);
    defaulted.push(field);
  }
  const notes =
    defaulted.length > 0
      ? [
          `metadata_service ${defaulted.join(', ')} not set: IBM's default applies (${defaulted.map((f) => `${f} ${String(IBM_DEFAULT_METADATA[f])}`).join(', ')})`,
        ]
      : [];
  return { state: 'known', value, notes };
};

/** The deprecated `metadata_service_enabled = true|false`: protocol and hop limit stay IBM's defaults. */
const fromEnabledArgument = (rc: ResourceChange): PlannedMetadata => {
  const slot = slotAt(rc.change, ['metadata_service_enabled']);
  if (slot.state === 'unknown') return unknownField('metadata_service_enabled');
  const enabled = slot.state === 'known' && slot.value === true;
  const note = `metadata_service_enabled (deprecated) is ${String(enabled)}; protocol and hop limit are IBM's defaults`;
  // The provider sends `enabled` for templates only when true: false leaves the template without a setting.
  if (rc.type === TEMPLATE && !enabled) return { state: 'absent', notes: [note] };
  return { state: 'known', value: { ...IBM_DEFAULT_METADATA, enabled }, notes: [note] };
};

/** An instance created from a template gets the template's setting when it sets none itself. */
const fromSourceTemplate = (
  ix: PlanIndex,
  rc: ResourceChange,
  depth: number,
): PlannedMetadata | undefined => {
  if (configured(ix, rc, ['instance_template']) !== true) return undefined;
  const address = referencedAddress(ix, rc, ['instance_template'], [TEMPLATE]);
  const template = address ? ix.changes.get(address) : undefined;
  if (!template || depth > 0) {
    const id = knownString(slotAt(rc.change, ['instance_template'])) ?? 'named in instance_template';
    return {
      state: 'unknown',
      why: `it is created from instance template ${id} and sets no metadata_service; the template's setting applies and is not in this plan`,
    };
  }
  const planned = plannedMetadata(ix, template, depth + 1);
  const note = `no metadata_service of its own: created from ${template.address}, whose setting it gets`;
  switch (planned.state) {
    case 'known':
      return { ...planned, notes: [note, ...planned.notes] };
    case 'absent':
      return { state: 'known', value: { ...IBM_DEFAULT_METADATA }, notes: [note, ...planned.notes] };
    case 'unknown':
      return planned;
    default:
      return planned satisfies never;
  }
};

/** What the resource's metadata service will be after apply, as far as the plan says. */
const plannedMetadata = (ix: PlanIndex, rc: ResourceChange, depth = 0): PlannedMetadata => {
  const creating = isCreate(rc);
  const block = slotAt(rc.change, ['metadata_service']);
  if (!creating) return fromBlock(ix, rc, false);
  const blockWritten = configured(ix, rc, ['metadata_service', 0]);
  if (block.state === 'known' || blockWritten === true) return fromBlock(ix, rc, true);
  const enabledWritten = configured(ix, rc, ['metadata_service_enabled']);
  if (enabledWritten === true || slotAt(rc.change, ['metadata_service_enabled']).state === 'known')
    return fromEnabledArgument(rc);
  if (blockWritten === undefined) return { state: 'unknown', why: NO_CONFIG };
  if (rc.type === INSTANCE) {
    const inherited = fromSourceTemplate(ix, rc, depth);
    if (inherited) return inherited;
  }
  const note = "no metadata_service in the configuration: IBM's default applies (disabled)";
  return rc.type === TEMPLATE
    ? { state: 'absent', notes: [] }
    : { state: 'known', value: { ...IBM_DEFAULT_METADATA }, notes: [note] };
};

export type { PlannedMetadata };
export { INSTANCE, isCreate, plannedMetadata, TEMPLATE };
