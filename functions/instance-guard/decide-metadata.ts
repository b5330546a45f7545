// Metadata settings compared: IBM's default, merge-patch semantics, a state's diff from the wanted setting.
import type { InstanceMetadataService, InstanceMetadataServicePatch } from '#shared/cloud/vpc.ts';
import type { Desired } from './decide-types.ts';

/** What IBM gives an instance whose template sets no metadata_service (facts §1.5). */
const IBM_DEFAULT_METADATA: InstanceMetadataService = {
  enabled: false,
  protocol: 'http',
  response_hop_limit: 1,
};

/** Merge-patch semantics, as the VPC API applies it. */
const applyMetadataPatch = (
  state: InstanceMetadataService,
  patch: InstanceMetadataServicePatch,
): InstanceMetadataService => ({ ...state, ...patch });

const isEmptyPatch = (patch: InstanceMetadataServicePatch): boolean => Object.keys(patch).length === 0;

interface Evaluation {
  /** Only the fields that differ; empty when compliant. */
  patch: InstanceMetadataServicePatch;
  /** Plain-language findings, one per field that differs (or why the state is fine). */
  findings: string[];
}

const hopFinding = (current: number, wanted: number): string =>
  current > wanted
    ? `response hop limit is ${current}; the policy wants ${wanted}, so metadata responses cannot travel further than the workload needs`
    : `response hop limit is ${current}; the policy wants ${wanted} so the workload (e.g. containers on the host) can reach the metadata service`;

/** Enabled over HTTPS with hop limit N: the only enabled state IBM calls secure access. */
const secureDiff = (state: InstanceMetadataService, hop: number): Evaluation => {
  const patch: InstanceMetadataServicePatch = {};
  const findings: string[] = [];
  if (!state.enabled) {
    patch.enabled = true;
    findings.push(
      `metadata service is disabled; the policy wants it enabled with secure access (HTTPS) and response hop limit ${hop} for this workload`,
    );
  }
  if (state.protocol !== 'https') {
    patch.protocol = 'https';
    if (state.enabled) {
      findings.push('metadata service reachable over plain HTTP; IBM recommends secure access (HTTPS)');
    }
  }
  if (state.response_hop_limit !== hop) {
    patch.response_hop_limit = hop;
    if (state.enabled) findings.push(hopFinding(state.response_hop_limit, hop));
  }
  if (isEmptyPatch(patch)) {
    findings.push(
      `metadata service uses secure access (HTTPS) with response hop limit ${hop}, as the policy wants`,
    );
  }
  return { patch, findings };
};

const DISABLED_OK =
  "metadata service is disabled, IBM's first security recommendation for instances that do not need it";

/** Compares a metadata state with what the policy wants. */
const evaluate = (desired: Desired, state: InstanceMetadataService): Evaluation => {
  switch (desired.mode) {
    case 'disable':
      // Protocol and hop limit apply only while the service is enabled, so they are not compared.
      return state.enabled
        ? {
            patch: { enabled: false },
            findings: [
              "metadata service is enabled; the policy wants it disabled, following IBM's first security recommendation (disable it where it is not needed)",
            ],
          }
        : { patch: {}, findings: [DISABLED_OK] };
    case 'secure':
      return secureDiff(state, desired.hop_limit);
    case 'audit':
      // Audit never asks to turn the service on: disabled is at least as safe as the bar.
      return state.enabled ? secureDiff(state, desired.hop_limit) : { patch: {}, findings: [DISABLED_OK] };
    default:
      return desired satisfies never;
  }
};

export type { Evaluation };
export { applyMetadataPatch, evaluate, IBM_DEFAULT_METADATA, isEmptyPatch };
