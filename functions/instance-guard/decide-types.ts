// The instance guard's decision inputs (fresh-read snapshots, tag reads) and results (discriminated unions).
import type { InstanceMetadataService, InstanceMetadataServicePatch } from '#shared/cloud/vpc.ts';

// ---- Inputs --------------------------------------------------------------------------------------

/** The result of reading a resource's tags: the read can fail, and the policy says what that means. */
type TagRead = { ok: true; user: string[]; access: string[] } | { ok: false; error: string };

interface InstanceSnapshot {
  instance: {
    id: string;
    crn: string;
    name: string;
    region: string;
    zone: string;
    vpc: { id: string; name: string };
    resource_group: { id: string; name: string };
    metadata_service: InstanceMetadataService;
    status: string;
  };
  tags: TagRead;
}

interface TemplateSnapshot {
  template: {
    id: string;
    crn: string;
    name: string;
    region: string;
    zone?: string | undefined;
    vpc?: { id: string; name?: string | undefined } | undefined;
    resource_group: { id: string; name: string };
    /** Absent = instances get IBM's default (disabled). */
    metadata_service?: InstanceMetadataService | undefined;
  };
  tags: TagRead;
  /** Instance groups of the region (or only those using the template); filtered by template id here. */
  instance_groups: ReadonlyArray<{ id: string; name?: string; instance_template: { id: string } }>;
}

// ---- Outputs -------------------------------------------------------------------------------------

/** The metadata setting the policy wants; `audit` names the bar it reports against. */
type Desired =
  | { mode: 'disable' }
  | { mode: 'secure'; hop_limit: number }
  | { mode: 'audit'; hop_limit: number };

interface DesiredState {
  desired: Desired;
  /** The rule that chose it, or `default` when none matched. */
  rule: string;
}

type Exemption =
  | { by: 'access-tag'; tag: string }
  | { by: 'user-tag'; tag: string }
  | {
      by: 'list';
      /** Index in `instances.exemptions.list`. */
      entry: number;
      ticket: string;
      approver: string;
      expires: string;
      reason?: string;
    }
  | { by: 'tag-lookup-failed'; error: string };

type ExemptDecision = Exemption & { kind: 'exempt'; reasons: string[] };

type InstanceDecision =
  | { kind: 'compliant'; desired: Desired; rule: string; reasons: string[] }
  | ExemptDecision
  | { kind: 'patch'; patch: InstanceMetadataServicePatch; desired: Desired; rule: string; reasons: string[] }
  /** What `patch` would be; nothing is changed. */
  | { kind: 'audit'; patch: InstanceMetadataServicePatch; desired: Desired; rule: string; reasons: string[] };

/** A template copy with the wanted metadata settings (POST /instance/templates). */
interface TemplateReplacement {
  name: string;
  source_template: { id: string };
  metadata_service: InstanceMetadataServicePatch;
}

interface TemplateChange {
  prototype: TemplateReplacement;
  /** Instance groups to point at the copy; empty unless `templates.repoint_instance_groups`. */
  repoint_instance_groups: string[];
  desired: Desired;
  rule: string;
  reasons: string[];
}

type TemplateDecision =
  | { kind: 'compliant'; desired: Desired; rule: string; reasons: string[] }
  | ExemptDecision
  | ({ kind: 'replace' } & TemplateChange)
  /** What `replace` would do; nothing is created or repointed. */
  | ({ kind: 'audit' } & TemplateChange);

export type {
  Desired,
  DesiredState,
  ExemptDecision,
  Exemption,
  InstanceDecision,
  InstanceSnapshot,
  TagRead,
  TemplateChange,
  TemplateDecision,
  TemplateReplacement,
  TemplateSnapshot,
};
