// Plan sections for where everything goes: the account, region and resource group, and the Code Engine project.
import type { Deployment } from '../schema.ts';
import { type ExistingState, type PlanSection, PROJECT_CRN, type Step } from './types.ts';

const targetSection = (d: Deployment): PlanSection => ({
  title: 'Account, region and resource group',
  notes: [],
  steps: [
    {
      kind: 'target',
      name: d.accounts[0].id,
      verb: 'target',
      comment: [
        `Every command below acts in account ${d.accounts[0].id}${d.accounts[0].name ? ` (${d.accounts[0].name})` : ''}: the guard's identity can act only there.`,
      ],
      argv: ['target', '-c', d.accounts[0].id, '-r', d.project.region, '-g', d.project.resource_group],
    },
  ],
});

const projectSection = (d: Deployment, s: ExistingState): PlanSection => {
  const name = d.project.name;
  const steps: Step[] = [];
  if (!s.project) {
    steps.push({
      kind: 'project',
      name,
      verb: 'create',
      comment: [],
      argv: ['ce', 'project', 'create', '--name', name],
    });
  }
  steps.push(
    { kind: 'project', name, verb: 'select', comment: [], argv: ['ce', 'project', 'select', '--name', name] },
    {
      kind: 'project',
      name,
      verb: 'read',
      comment: ['The project CRN identifies its components to IAM (trusted-profile links).'],
      argv: ['ce', 'project', 'get', '--name', name, '--output', 'json'],
      capture: { variable: PROJECT_CRN, property: 'crn' },
    },
  );
  return { title: `Code Engine project ${name}`, notes: [], steps };
};

export { projectSection, targetSection };
