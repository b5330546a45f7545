// The Cloud Logs alert and view definitions (deploy/terraform/cloud-logs/*.json): the files the module
// turns into ibm_logs_alert_definition / ibm_logs_view and docs/deploy.md shows. Their values must be
// ones the provider accepts, and their queries must name fields and outcomes decision records carry.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { OUTCOMES } from '#shared/audit/decision.ts';
import { SEVERITIES } from '#shared/policy/profiles.ts';
import { excerpt, MODULE_DIR, root } from './module.ts';

interface Alert {
  name: string;
  description: string;
  type: string;
  priority: string;
  query?: string;
  numerator?: string;
  denominator?: string;
  group_by: string[];
  condition: string;
  threshold: number;
  time_window: string;
  notify_on: string;
  retrigger_minutes: number;
}

interface View {
  name: string;
  query: string;
  time_caption: string;
  time_seconds: number;
  filters: { name: string; selected_values: Record<string, boolean> }[];
}

const dir = (kind: string) => join(MODULE_DIR, 'cloud-logs', kind);
const read = <T>(kind: string): [string, T][] =>
  readdirSync(dir(kind))
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f, JSON.parse(readFileSync(join(dir(kind), f), 'utf8')) as T]);

const alerts = read<Alert>('alerts');
const views = read<View>('views');
const schema = excerpt();
const alertSchema = schema.resources.ibm_logs_alert_definition;
const documented = (path: string): string[] => alertSchema?.documented_values?.[path] ?? [];

/** `outcome:x` terms and field names (`a.b:`) of a Lucene query. */
const outcomesIn = (q: string): string[] => [...q.matchAll(/outcome:([a-z_]+)/g)].map((m) => m[1] ?? '');
const fieldsIn = (q: string): string[] =>
  [...q.replace(/_exists_:/g, '').matchAll(/([a-z_][a-z_.]*):/g)].map((m) => m[1] ?? '');
const RECORD_FIELDS = ['outcome', 'fn', 'detail.exposure_ms', 'detail.severity'];

describe('Cloud Logs definitions', () => {
  test('alerts and saved views for failed remediations, open tickets by severity, and exposure window p90', () => {
    expect(alerts.map(([f]) => f).sort()).toEqual([
      'exposure-window-p90.json',
      'failed-remediations.json',
      'open-tickets-by-severity.json',
    ]);
    expect(views.map(([f]) => f).sort()).toEqual([
      'exposure-window-over-threshold.json',
      'failed-remediations.json',
      'open-tickets-by-severity.json',
    ]);
  });

  test.each(alerts)('alert %s uses only values the provider accepts', (_f, a) => {
    expect(alertSchema?.allowed_values?.type).toContain(a.type);
    expect(alertSchema?.allowed_values?.priority).toContain(a.priority);
    expect(documented(`${a.type}.condition_type`)).toContain(a.condition);
    const window =
      a.type === 'logs_ratio_threshold'
        ? 'logs_ratio_threshold.rules.condition.time_window.logs_ratio_time_window_specific_value'
        : 'logs_threshold.rules.condition.time_window.logs_time_window_specific_value';
    expect(documented(window)).toContain(a.time_window);
    expect(documented('incidents_settings.notify_on')).toContain(a.notify_on);
    expect(a.group_by.length).toBeLessThanOrEqual(2);
    expect(a.name.length).toBeLessThanOrEqual(100);
    expect(a.type === 'logs_ratio_threshold' ? [a.numerator, a.denominator] : [a.query]).not.toContain(
      undefined,
    );
  });

  test.each([...alerts, ...views])(
    '%s: its queries name decision-record fields and outcomes only, and only the threshold placeholder',
    (_f, def) => {
      const queries = [
        def.query,
        'numerator' in def ? def.numerator : undefined,
        'denominator' in def ? def.denominator : undefined,
      ].filter((q): q is string => q !== undefined);
      for (const q of queries) {
        for (const o of outcomesIn(q)) expect(OUTCOMES).toContain(o);
        for (const f of fieldsIn(q)) expect(RECORD_FIELDS).toContain(f);
        for (const p of q.match(/\{[a-z_]+\}/g) ?? []) expect(p).toBe('{exposure_threshold_ms}');
      }
    },
  );

  test('the severity view offers exactly the severities profile-guard assigns', () => {
    const v = views.find(([f]) => f === 'open-tickets-by-severity.json')?.[1];
    expect(Object.keys(v?.filters[0]?.selected_values ?? {}).sort()).toEqual([...SEVERITIES].sort());
    expect(schema.resources.ibm_logs_view?.documented_values?.['search_query.syntax_type']).toContain(
      'lucene',
    );
  });

  test('the fields they query are the ones the guards write', () => {
    const act = readFileSync(join(root, 'functions/instance-guard/act.ts'), 'utf8');
    expect(act).toContain('exposure_ms: exposure');
    const profile = readFileSync(join(root, 'functions/profile-guard/act.ts'), 'utf8');
    expect(profile).toMatch(/\bseverity,/);
  });

  test('docs/deploy.md and the module README show every definition file', () => {
    const docs = readFileSync(join(root, 'docs/deploy.md'), 'utf8');
    const readme = readFileSync(join(MODULE_DIR, 'README.md'), 'utf8');
    for (const [f] of alerts) expect(docs).toContain(`cloud-logs/alerts/${f}`);
    for (const [f] of views) expect(docs).toContain(`cloud-logs/views/${f}`);
    expect(readme).toContain('cloud-logs/');
  });
});
