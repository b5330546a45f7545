// One line saying what a valid manifest deploys and enforces (`imds-guard validate` prints it after OK).
import type { LoadedManifest } from './load.ts';

const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

const summarize = (loaded: LoadedManifest): string => {
  const { deployment: d, policy } = loaded;
  const rules = policy.instances.rules.length;
  const enforced = `policy: instances ${policy.instances.default.mode} by default with ${count(rules, 'rule')}, templates ${policy.templates.mode}${policy.dry_run ? ', dry run' : ''}`;
  if (!d) return `no deployment sections (nothing to deploy); ${enforced}`;
  const identity = d.identity.trusted_profile
    ? `trusted profile ${d.identity.trusted_profile.name}`
    : `service ID ${d.identity.service_id?.name ?? ''}`;
  const parts = [
    `project ${d.project.name} (${d.project.region}, account ${d.accounts[0].id})`,
    count(d.functions.length, 'function'),
    ...(d.app ? [`app ${d.app.name}`] : []),
    ...(d.job ? [`job ${d.job.name}`] : []),
    ...(d.cron.length > 0 ? [count(d.cron.length, 'cron subscription')] : []),
    ...(d.kafka ? [`Kafka subscription ${d.kafka.name}`] : []),
    ...(d.activity_tracker
      ? [
          `route ${d.activity_tracker.route.name} (${[...new Set(d.activity_tracker.route.rules.flatMap((r) => r.locations))].join(', ')})`,
        ]
      : []),
    ...(d.audit_trail ? [`audit trail ${d.audit_trail.bucket}`] : []),
    identity,
  ];
  return `${parts.join(', ')}; ${enforced}`;
};

export { summarize };
