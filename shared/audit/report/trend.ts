// Whether things are getting better: the compliant share of instances at each scan or sweep run, and
// the exposure-window percentiles per time bucket (the bucket size fits the span: see time-buckets.ts).
import type { Run } from './posture.ts';
import { completeness } from './posture.ts';
import { createLogHistogram, type LogHistogram } from './quantiles.ts';
import type { Decision } from './record.ts';
import { chooseStep, createBucketStore, stepLabel } from './time-buckets.ts';

interface RunPoint {
  fn: string;
  run_id: string;
  at: string;
  at_ms: number;
  complete: boolean | null;
  instances: number;
  compliant: number;
  exempt: number;
  noncompliant: number;
  /** (compliant + exempt) / instances decided by the run; null when it decided none. */
  share: number | null;
}

interface ExposurePoint {
  start: string;
  start_ms: number;
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

interface Trend {
  runs: RunPoint[];
  exposure: { step_ms: number; unit: string; points: ExposurePoint[] };
}

const runPoints = (runs: readonly Run[]): RunPoint[] =>
  runs
    .map((r) => {
      const i = r.instances;
      const total = i.compliant + i.exempt + i.noncompliant;
      return {
        fn: r.fn,
        run_id: r.runId,
        at: new Date(r.first).toISOString(),
        at_ms: r.first,
        complete: completeness(r),
        instances: total,
        compliant: i.compliant,
        exempt: i.exempt,
        noncompliant: i.noncompliant,
        share: total === 0 ? null : (i.compliant + i.exempt) / total,
      };
    })
    .filter((p) => p.instances > 0);

const round = (x: number | null): number | null => (x === null ? null : Math.round(x));

const createExposureTrend = () => {
  const store = createBucketStore<LogHistogram>({
    zero: () => createLogHistogram(),
    merge: (into, from) => into.merge(from),
  });
  return {
    add(d: Decision): void {
      if (d.exposureMs !== null) store.at(d.at).add(d.exposureMs);
    },
    summary(): Trend['exposure'] {
      if (store.first === null || store.last === null) return { step_ms: 0, unit: '', points: [] };
      const step = chooseStep(store.first, store.last, store.resolution);
      return {
        step_ms: step,
        unit: stepLabel(step),
        points: store.series(step).map(({ start, value }) => ({
          start: new Date(start).toISOString(),
          start_ms: start,
          count: value.count,
          p50: round(value.quantile(0.5)),
          p90: round(value.quantile(0.9)),
          p99: round(value.quantile(0.99)),
        })),
      };
    },
  };
};

export type { ExposurePoint, RunPoint, Trend };
export { createExposureTrend, runPoints };
