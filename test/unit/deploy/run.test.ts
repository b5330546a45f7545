import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { grantsFor, scopeKey } from '#shared/actions/grants.ts';
import { EMPTY_STATE, type Plan, planDeploy, stepsOf } from '#shared/manifest/deploy-plan.ts';
import {
  authorizationsIn,
  namesIn,
  ProbeError,
  policiesIn,
  probeState,
} from '#shared/manifest/deploy-probe.ts';
import { renderPlan } from '#shared/manifest/deploy-render.ts';
import { type Exec, envNeeded, envProblems, jsonProperty, runPlan } from '#shared/manifest/deploy-run.ts';
import { type LoadedManifest, loadManifest } from '#shared/manifest/load.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const SAMPLE = fileURLToPath(new URL('../../fixtures/manifest.sample.yaml', import.meta.url));
const sample = (): LoadedManifest => loadManifest(readFileSync(SAMPLE, 'utf8'), 'sample.yaml', { now: NOW });
const samplePlan = (): Plan => {
  const loaded = sample();
  if (!loaded.deployment) throw new Error('expected a deployment');
  return planDeploy(loaded.deployment, loaded.policy, EMPTY_STATE, loaded.file);
};

/** Values nobody may ever see in output. */
const SECRET_ENV = {
  SAMPLE_ES_USERNAME: 'token',
  SAMPLE_ES_APIKEY: 'es-key-8f3a1c9d',
  SAMPLE_SNOW_USER: 'guard-bot',
  SAMPLE_SNOW_PASSWORD: 'snow-pw-22b7e0aa',
  SAMPLE_BACKUP_ES_APIKEY: 'backup-key-5c41d2e7',
};

interface Call {
  argv: string[];
  /** Contents (and mode) of files named in argv, read while the command "runs". */
  files: Record<string, { text: string; mode: number }>;
}

/** An `ibmcloud` stand-in: records calls, answers JSON for reads, fails on a chosen command. */
const fakeIbmcloud = (failOn?: (argv: readonly string[]) => number | undefined) => {
  const calls: Call[] = [];
  const exec: Exec = async (argv) => {
    const files: Call['files'] = {};
    for (const a of argv) {
      const p = a.replace(/^(@|[A-Z_]+=)/, '');
      if (p.startsWith('/') && existsSync(p))
        files[p] = { text: readFileSync(p, 'utf8'), mode: statSync(p).mode & 0o777 };
    }
    calls.push({ argv: [...argv], files });
    const code = failOn?.(argv);
    if (code !== undefined) return { code, stdout: '' };
    const json = {
      crn: 'crn:v1:bluemix:public:codeengine:eu-de:a/fedcba:0000::',
      iam_id: 'iam-Profile-1234',
      id: `id-of-${argv[4] ?? ''}`,
    };
    return { code: 0, stdout: JSON.stringify(json) };
  };
  return { calls, exec };
};

describe('runPlan', () => {
  test('runs every step in order, filling in what earlier steps printed', async () => {
    // Prepare
    const plan = samplePlan();
    const { calls, exec } = fakeIbmcloud();
    const log: string[] = [];
    // Act
    const result = await runPlan(plan, { exec, env: SECRET_ENV, log: (l) => log.push(l) });
    // Assess
    expect(result).toEqual({ ok: true, ran: stepsOf(plan).length });
    expect(calls.map((c) => c.argv.slice(0, 3).join(' '))).toEqual(
      stepsOf(plan).map((s) => s.argv.slice(0, 3).join(' ')),
    );
    const link = calls.find((c) => c.argv[1] === 'trusted-profile-link-create');
    expect(link?.argv).toContain('crn:v1:bluemix:public:codeengine:eu-de:a/fedcba:0000::');
    const config = calls.find((c) => c.argv.includes('guard-config'));
    expect(config?.argv).toContain('IMDS_GUARD_SELF_IDS=iam-Profile-1234');
    const route = calls.find((c) => c.argv[1] === 'route');
    expect(route?.argv.at(-1)).toBe(
      '[{"locations":["global"],"target_ids":["id-of-guard-es"]},{"locations":["eu-de","eu-gb"],"target_ids":["id-of-guard-es","id-of-guard-es-backup"]}]',
    );
  });

  test('secret values go only into private files, removed afterwards, and never into what is printed', async () => {
    // Prepare
    const plan = samplePlan();
    const { calls, exec } = fakeIbmcloud();
    const log: string[] = [];
    // Act
    await runPlan(plan, { exec, env: SECRET_ENV, log: (l) => log.push(l) });
    // Assess
    const secret = calls.find((c) => c.argv.includes('es-credentials') && c.argv[1] === 'secret');
    const [envFile, content] = Object.entries(secret?.files ?? {})[0] ?? [];
    expect(content).toEqual({ text: 'username=token\npassword=es-key-8f3a1c9d\n', mode: 0o600 });
    expect(existsSync(envFile ?? '')).toBe(false);
    const key = calls.find((c) => c.argv.includes('guard-es-backup'));
    expect(Object.values(key?.files ?? {})).toEqual([{ text: 'backup-key-5c41d2e7', mode: 0o600 }]);
    const printed = [...log, renderPlan(plan)].join('\n');
    for (const value of Object.values(SECRET_ENV).filter((v) => v !== 'token'))
      expect(printed).not.toContain(value);
    for (const c of calls)
      for (const a of c.argv)
        for (const value of ['es-key-8f3a1c9d', 'snow-pw-22b7e0aa']) expect(a).not.toContain(value);
  });

  test('stops at the first failure with its exit code and runs nothing after it', async () => {
    // Prepare
    const plan = samplePlan();
    const { calls, exec } = fakeIbmcloud((argv) =>
      argv[1] === 'fn' && argv[4] === 'profile-guard' ? 7 : undefined,
    );
    // Act
    const result = await runPlan(plan, { exec, env: SECRET_ENV, log: () => {} });
    // Assess
    expect(result).toMatchObject({ ok: false, code: 7, reason: 'ibmcloud exited with 7' });
    expect(result.ok ? '' : result.step.name).toBe('profile-guard');
    expect(calls.at(-1)?.argv.slice(0, 5)).toEqual(['ce', 'fn', 'create', '--name', 'profile-guard']);
    expect(calls.some((c) => c.argv[1] === 'app')).toBe(false);
  });

  test('a read whose output lacks the value it should remember fails the run', async () => {
    const exec: Exec = async () => ({ code: 0, stdout: '{"name":"x"}' });
    const result = await runPlan(samplePlan(), { exec, env: SECRET_ENV, log: () => {} });
    expect(result).toMatchObject({
      ok: false,
      code: 1,
      reason: 'its output has no "crn" to remember as PROJECT_CRN',
    });
  });
});

describe('environment checks before anything runs', () => {
  test('lists every variable a secret is read from', () => {
    expect(envNeeded(samplePlan()).sort()).toEqual(Object.keys(SECRET_ENV).sort());
  });

  test('names the missing, empty and multi-line ones', () => {
    const env = {
      ...SECRET_ENV,
      SAMPLE_ES_APIKEY: '',
      SAMPLE_SNOW_PASSWORD: 'a\nb',
      SAMPLE_SNOW_USER: undefined,
    };
    expect(envProblems(samplePlan(), env)).toEqual([
      'SAMPLE_ES_APIKEY is not set',
      'SAMPLE_SNOW_USER is not set',
      'SAMPLE_SNOW_PASSWORD holds a line break',
    ]);
  });
});

describe('reading ibmcloud output', () => {
  test('names from list outputs in their various shapes', () => {
    expect(namesIn([{ name: 'a' }, { name: 'b' }])).toEqual(new Set(['a', 'b']));
    expect(namesIn({ items: [{ metadata: { name: 'c' } }] })).toEqual(new Set(['c']));
    expect(namesIn({ targets: [{ id: 't1', name: 'es' }] })).toEqual(new Set(['es']));
    expect(namesIn('not json')).toEqual(new Set());
    expect(namesIn(undefined)).toEqual(new Set());
  });

  test('existing access policies are keyed like the grants, so they are updated, not duplicated', () => {
    // Prepare
    const grant = grantsFor(sample().policy, sample().deployment?.audit_trail).at(-1);
    const json = [
      {
        id: 'pol-cos',
        resources: [
          {
            attributes: [
              { name: 'accountId', value: 'fedcba9876543210fedcba9876543210' },
              { name: 'serviceName', value: 'cloud-object-storage' },
              { name: 'serviceInstance', value: '0c3f9b0e-1d2a-4c5b-8e7f-9a0b1c2d3e4f' },
              { name: 'resourceType', value: 'bucket' },
              { name: 'resource', value: 'guard-sample-trail' },
            ],
          },
        ],
      },
      {
        id: 'pol-is',
        resources: [
          {
            attributes: [
              { name: 'instanceId', value: '*' },
              { name: 'serviceName', value: 'is' },
            ],
          },
        ],
      },
    ];
    // Act
    const policies = policiesIn(json);
    // Assess
    expect(grant && policies.get(scopeKey(grant.scope))).toBe('pol-cos');
    expect(policies.get(scopeKey({ serviceName: 'is', attributes: { instanceId: '*' } }))).toBe('pol-is');
  });

  test('Activity Tracker authorizations by Event Streams instance', () => {
    const json = {
      policies: [
        {
          subjects: [{ attributes: [{ name: 'serviceName', value: 'atracker' }] }],
          resources: [
            {
              attributes: [
                { name: 'serviceName', value: 'messagehub' },
                { name: 'serviceInstance', value: 'guid-1' },
              ],
            },
          ],
        },
        {
          subjects: [{ attributes: [{ name: 'serviceName', value: 'codeengine' }] }],
          resources: [
            {
              attributes: [
                { name: 'serviceName', value: 'messagehub' },
                { name: 'serviceInstance', value: 'guid-2' },
              ],
            },
          ],
        },
      ],
    };
    expect(authorizationsIn(json)).toEqual(new Set(['atracker>messagehub:guid-1']));
  });

  test('jsonProperty reads one string property', () => {
    expect(jsonProperty('{"crn":"crn:v1:x"}', 'crn')).toBe('crn:v1:x');
    expect(jsonProperty('{"crn":""}', 'crn')).toBeUndefined();
    expect(jsonProperty('OK', 'crn')).toBeUndefined();
  });
});

describe('probeState', () => {
  test('reads what exists through read-only commands', async () => {
    // Prepare
    const loaded = sample();
    const seen: string[] = [];
    const exec: Exec = async (argv) => {
      const cmd = argv.join(' ');
      seen.push(cmd);
      const out = (x: unknown) => ({ code: 0, stdout: JSON.stringify(x) });
      if (cmd.startsWith('ce fn list')) return out({ functions: [{ name: 'instance-guard' }] });
      if (cmd.startsWith('ce secret list')) return out({ items: [{ metadata: { name: 'invoke-token' } }] });
      if (cmd.startsWith('iam trusted-profile-links'))
        return out({ links: [{ name: 'ce-fn-instance-guard' }] });
      if (cmd.startsWith('iam trusted-profile-policies')) return out([]);
      if (cmd.startsWith('atracker target ls')) return out({ targets: [{ name: 'guard-es' }] });
      if (cmd.startsWith('iam service-id')) return { code: 1, stdout: '' };
      return out([]);
    };
    // Act
    const state = await probeState(loaded.deployment ?? (undefined as never), exec);
    // Assess
    expect(seen[0]).toBe('target -c fedcba9876543210fedcba9876543210 -r eu-de -g Default');
    expect(seen).toContain('plugin show code-engine');
    expect(seen).toContain('plugin show atracker');
    expect(state).toMatchObject({ probed: true, project: true, identity: true });
    expect(state.functions).toEqual(new Set(['instance-guard']));
    expect(state.secrets).toEqual(new Set(['invoke-token']));
    expect(state.links).toEqual(new Set(['ce-fn-instance-guard']));
    expect(state.atTargets).toEqual(new Set(['guard-es']));
    expect(seen.every((c) => !/ (create|update|delete|rm) /.test(` ${c} `))).toBe(true);
  });

  test('not logged in: a clear error, and nothing else is tried', async () => {
    const seen: string[] = [];
    const exec: Exec = async (argv) => {
      seen.push(argv.join(' '));
      return { code: 1, stdout: '' };
    };
    await expect(probeState(sample().deployment ?? (undefined as never), exec)).rejects.toThrow(
      new ProbeError(
        'ibmcloud target -c fedcba9876543210fedcba9876543210 -r eu-de -g Default exited with 1: log in first (ibmcloud login) with access to account fedcba9876543210fedcba9876543210',
      ),
    );
    expect(seen).toHaveLength(1);
  });

  test('a missing plugin says how to install it', async () => {
    const exec: Exec = async (argv) => ({
      code: argv[0] === 'plugin' && argv[2] === 'atracker' ? 1 : 0,
      stdout: '[]',
    });
    await expect(probeState(sample().deployment ?? (undefined as never), exec)).rejects.toThrow(
      /install the plugin: ibmcloud plugin install atracker/,
    );
  });
});
