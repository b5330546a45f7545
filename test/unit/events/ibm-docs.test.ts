// Every payload IBM published (test/fixtures/ibm-docs, see its SOURCES.md) goes through the decoder:
// each one is parsed, recognised or refused with a reason, and never throws.
import { describe, expect, test } from 'vitest';
import { type DecodeResult, type DeliveryKind, decodeDelivery } from '#events/decode.ts';
import {
  type DeliveryRequest,
  requestFromHttp,
  requestFromJobEnv,
  requestFromParams,
} from '#events/request.ts';
import { routeEvent } from '#events/routes.ts';
import { listIbmFiles, readIbm } from './load.ts';

type Door = 'body' | 'params' | 'http' | 'job-env' | 'kafka-log' | 'header-lines' | 'env-lines';

type Outcome =
  | { ok: true; kind: DeliveryKind; check?: (r: Extract<DecodeResult, { ok: true }>) => void }
  | { ok: false; kind?: DeliveryKind; reason: RegExp };

interface Case {
  door: Door;
  outcome: Outcome;
}

/** The single event of a decoded delivery. */
const only = (r: Extract<DecodeResult, { ok: true }>) => {
  expect(r.events).toHaveLength(1);
  const first = r.events[0];
  if (!first) throw new Error('no event');
  return first;
};

const NO_ACTION = /not an Activity Tracker event: no "action" field/;

const CASES: Record<string, Case> = {
  'at-event--is.snapshot.create.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'at',
      check: (r) => {
        const e = only(r);
        expect(e.event.action).toBe('is.snapshot.create');
        expect(e.eventTime?.toISOString()).toBe('2022-02-22T17:59:07.570Z');
        expect(e.idempotencyKey).toMatch(/^sha256:[0-9a-f]{32}$/);
        expect(routeEvent(e.event, 'instance-guard').handled).toBe(false);
      },
    },
  },
  'at-event--is.snapshot.read.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'at',
      check: (r) => expect(only(r).eventTime?.toISOString()).toBe('2022-01-16T17:55:25.600Z'),
    },
  },
  'at-event--is.vpc.vpc.create.failure.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'at',
      check: (r) => {
        const e = only(r);
        expect(e.event.outcome).toBe('failure');
        expect(e.event.reason?.reasonCode).toBe(403);
        expect(e.event.eventTime).toBeUndefined();
        expect(e.eventTime).toBeUndefined();
      },
    },
  },
  'at-event--kms.secrets.rotate.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'at',
      check: (r) => {
        const e = only(r);
        expect(e.eventTime?.toISOString()).toBe('2020-06-22T15:36:16.700Z'); // 1-digit fraction
        expect(e.event.dataEvent).toBe(true);
      },
    },
  },
  'at-event--power-iaas.tenant.read.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'at',
      check: (r) => {
        const e = only(r);
        expect(e.event.requestData).toBeNull();
        expect(e.event.observer?.name).toBe('IBM Cloud Logs');
      },
    },
  },
  'at-event-fragment--user-management.user.update.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'at',
      check: (r) => {
        const e = only(r);
        expect(e.event.outcome).toBeUndefined();
        expect(e.event.target?.host?.address).toBe('user-management.cloud.ibm.com');
      },
    },
  },
  'at-event-internal--cloud-object-storage.object.create.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'at',
      check: (r) => {
        const e = only(r);
        expect(e.event.dataEvent).toBe(true); // "true"
        expect(e.event.reason?.reasonCode).toBe(200); // "200"
        expect(e.eventTime?.toISOString()).toBe('2020-03-08T12:22:01.000Z'); // +00:00
      },
    },
  },
  'at-event-internal--iam-am.policy.create.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'at',
      check: (r) => {
        const e = only(r);
        expect(e.eventTime?.toISOString()).toBe('2020-03-17T22:18:40.325Z');
        expect(e.event.requestData).toMatchObject({ api_name: 'postPolicyV1' });
        expect(typeof e.event.responseData?.response_body).toBe('string');
        expect(e.event.additonalData).toEqual({});
        expect(routeEvent(e.event, 'profile-guard')).toMatchObject({ handled: true });
      },
    },
  },
  'at-event-internal--iam-groups.group.read.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'at',
      check: (r) => {
        const e = only(r);
        expect(e.idempotencyKey).toBe('91a138d5-50b2-4b98-8ec6-cfb6becec3cf');
        expect(e.event.responseData).toMatchObject({
          id: 'AccessGroupId-b56e5cd7-903f-4d6a-8f26-7f29b8f201a1',
        });
      },
    },
  },
  'at-event-legacy--is.load-balancer.load-balancer.listener.create.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'at',
      check: (r) => {
        const e = only(r);
        expect(e.event.action).toBe('is.load-balancer.load-balancer.listener.create');
        expect(e.event.requestData).toEqual({
          headers: { RayID: '4df2d9911a3ac2bd' },
          extraData: { resourceName: '4633518f-8aac-48a1-a694-d15ee6bd70e3' },
        });
        expect(e.event.logSourceCRN).toMatch(/^crn:v1:staging:public:is:eu-gb:/);
        expect(e.event.meta).toMatchObject({ serviceProviderName: 'is-load-balancer' });
        expect(e.idempotencyKey).toBe('e4ee1906d01a35efe8bd8303ce0a734e');
        expect(r.notes).toContain('body: legacy payload/meta wrapper unwrapped');
      },
    },
  },
  'at-event-legacy--is.volume.volume.update.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'at',
      check: (r) => {
        const e = only(r);
        expect(e.event.action).toBe('is.volume.volume.update');
        expect(e.event.saveServiceCopy).toBe(true);
        expect(e.event.logSourceCRN).toMatch(/::volume:cc6d2924/);
        expect(e.event.target?.host).toEqual({});
      },
    },
  },
  'at-event-legacy--kms.secrets.endtoenddelete.failure.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'at',
      check: (r) => {
        const e = only(r);
        expect(e.event.outcome).toBe('failure');
        expect(e.eventTime?.toISOString()).toBe('2019-12-11T22:00:58.000Z'); // -06:00
      },
    },
  },
  'at-event-legacy--kms.secrets.endtoenddelete.success.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'at',
      check: (r) => expect(only(r).eventTime?.toISOString()).toBe('2019-12-20T16:38:06.000Z'),
    },
  },
  'at-event-legacy--pcloud.tenant.read.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'at',
      check: (r) => {
        const e = only(r);
        expect(e.event.action).toBe('pcloud.tenant.read');
        expect(e.event.responseData).toMatchObject({ tenantID: 'xxxxxxxxxxxxxxxxxxxx' });
        expect(e.event.logSourceCRN).toMatch(/^crn:v1:bluemix:public:power-iaas:/);
      },
    },
  },
  'at-event-partial--context-based-restrictions.policy.eval.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'at',
      check: (r) => {
        const e = only(r);
        expect(e.event.target).toBeUndefined();
        expect(e.event.level).toBeDefined();
      },
    },
  },
  'ce-cos-app--body.object-delete.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'cos',
      check: (r) =>
        expect(r).toMatchObject({
          cos: { bucket: 'mybucket', key: 'object-69-144', operation: 'Object:Delete' },
        }),
    },
  },
  'ce-cos-app--body.object-write.json': {
    door: 'body',
    outcome: {
      ok: true,
      kind: 'cos',
      check: (r) =>
        expect(r).toMatchObject({ cos: { bucket: 'mybucket', key: 'Notes.rtf', operation: 'Object:Write' } }),
    },
  },
  'ce-cos-app--delivery.object-delete.json': {
    door: 'http',
    outcome: {
      ok: true,
      kind: 'cos',
      check: (r) => {
        expect(r).toMatchObject({ deliveryId: '3fb2c04e-a660-4640-8899-b82efb8169b6', events: [] });
        expect(r.deliveryTime?.toISOString()).toBe('2021-08-17T20:22:02.917Z');
      },
    },
  },
  'ce-cos-app--headers.object-delete.txt': {
    door: 'header-lines',
    outcome: {
      ok: true,
      kind: 'cos',
      // No body at all: bucket from ce-source, key from ce-subject.
      check: (r) => expect(r).toMatchObject({ cos: { bucket: 'mybucket', key: 'object-69-144' } }),
    },
  },
  'ce-cos-job--ce-data.object-delete.json': {
    door: 'body',
    outcome: { ok: true, kind: 'cos', check: (r) => expect(r).toMatchObject({ cos: { key: 'Notes.rtf' } }) },
  },
  'ce-cos-job--env.object-delete.json': {
    door: 'job-env',
    outcome: {
      ok: true,
      kind: 'cos',
      check: (r) => expect(r).toMatchObject({ deliveryId: 'b59727ee-9c4e-446a-9261-5616f6d1283b' }),
    },
  },
  'ce-cos-job--env.object-delete.txt': {
    door: 'env-lines',
    outcome: {
      ok: true,
      kind: 'cos',
      check: (r) => expect(r).toMatchObject({ cos: { bucket: 'mybucket' } }),
    },
  },
  'ce-fn-params--application-json-with-query.json': {
    door: 'params',
    outcome: { ok: false, reason: NO_ACTION },
  },
  'ce-fn-params--application-json.json': { door: 'params', outcome: { ok: false, reason: NO_ACTION } },
  'ce-fn-params--args-reference.json': { door: 'params', outcome: { ok: false, reason: NO_ACTION } },
  'ce-fn-params--cron-text-plain.json': {
    door: 'params',
    outcome: {
      ok: true,
      kind: 'cron',
      check: (r) => {
        expect(r).toMatchObject({ deliveryId: 'b861440f-0e17-44ab-9bab-826da0c9713f', events: [] });
        expect(r.deliveryTime?.toISOString()).toBe('2024-06-02T10:56:00.062Z');
      },
    },
  },
  'ce-kafka-app--delivery.json': {
    door: 'http',
    outcome: { ok: false, kind: 'cloudevents-binary', reason: /^Kafka record value is not JSON/ },
  },
  'ce-kafka-app--delivery.log.txt': {
    door: 'kafka-log',
    outcome: { ok: false, kind: 'cloudevents-binary', reason: /^Kafka record value is not JSON/ },
  },
  'ce-kafka-job--env.json': {
    door: 'job-env',
    outcome: { ok: false, kind: 'cloudevents-binary', reason: /^Kafka record value: .*no "action"/ },
  },
  'ce-kafka-job--env.txt': {
    door: 'env-lines',
    outcome: { ok: false, kind: 'cloudevents-binary', reason: /^Kafka record value: .*no "action"/ },
  },
  'cl-alert-en--StandardMoreThanAlertEvent.AlertTriggered.json': {
    door: 'body',
    outcome: {
      ok: false,
      kind: 'event-notifications',
      reason: /^Event Notifications log_example: .*no "action"/,
    },
  },
  'en-notification--cloud-logs-alert.typical.json': {
    door: 'body',
    outcome: {
      ok: false,
      kind: 'event-notifications',
      reason: /^Event Notifications log_example: .*no "action"/,
    },
  },
  'en-api-notification--email-personalization-example.json': {
    door: 'body',
    outcome: { ok: false, kind: 'cloudevents-structured', reason: /^CloudEvent data: .*no "action"/ },
  },
  'en-api-notification--markdown-example.json': {
    door: 'body',
    outcome: { ok: false, kind: 'cloudevents-structured', reason: /^CloudEvent data: .*no "action"/ },
  },
  'en-rlc-event--resource-controller.instance.create.json': {
    door: 'body',
    outcome: { ok: false, kind: 'at', reason: NO_ACTION },
  },
};

/** `Header: Ce-Id=[partition:0/offset:167]` lines and `Event data: …` (SOURCES.md transcription rule). */
const kafkaLogRequest = (text: string): DeliveryRequest => {
  const headers: Record<string, string> = {};
  let body = '';
  for (const line of text.split('\n')) {
    const header = /Header: ([\w-]+)=\[(.*)\]$/.exec(line);
    if (header?.[1]) headers[header[1]] = header[2] ?? '';
    const data = /Event data: (.*)$/.exec(line);
    if (data) body = data[1] ?? '';
  }
  return requestFromHttp({ headers }, body);
};

const lines = (text: string, re: RegExp): Record<string, string> =>
  Object.fromEntries(
    text
      .split('\n')
      .map((l) => re.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] ?? '', (m[2] ?? '').trim()]),
  );

const requestFor = (door: Door, text: string): DeliveryRequest => {
  switch (door) {
    case 'body':
      return requestFromHttp({ headers: { 'content-type': 'application/json' } }, text);
    case 'params': {
      // IBM shows function args wrapped as {"args": …}; the function receives the inner object.
      const parsed = JSON.parse(text) as { args?: unknown };
      return requestFromParams(parsed.args ?? parsed);
    }
    case 'http':
      return requestFromHttp(JSON.parse(text));
    case 'job-env':
      return requestFromJobEnv(JSON.parse(text));
    case 'kafka-log':
      return kafkaLogRequest(text);
    case 'header-lines':
      return requestFromHttp({ headers: lines(text, /^([\w-]+):\s*(.*)$/) });
    case 'env-lines':
      return requestFromJobEnv(lines(text, /^([A-Z_]+)=(.*)$/));
  }
};

describe("IBM's published payloads", () => {
  test('every file in the folder has an expected outcome here', () => {
    // Prepare
    const files = listIbmFiles();
    // Act
    const missing = files.filter((f) => !(f in CASES));
    const stale = Object.keys(CASES).filter((f) => !files.includes(f));
    // Assess
    expect(files.length).toBeGreaterThan(30);
    expect(missing).toEqual([]);
    expect(stale).toEqual([]);
  });

  test.each(listIbmFiles().filter((f) => f in CASES))('%s', (file) => {
    // Prepare
    const { door, outcome } = CASES[file] as Case;
    const request = requestFor(door, readIbm(file));
    // Act
    const result = decodeDelivery(request);
    // Assess
    if (outcome.ok) {
      if (!result.ok) throw new Error(`refused: ${result.reason}`);
      expect(result.kind).toBe(outcome.kind);
      outcome.check?.(result);
    } else {
      expect(result).toMatchObject({ ok: false, status: 400 });
      if (result.ok) return;
      expect(result.reason).toMatch(outcome.reason);
      if (outcome.kind) expect(result.kind).toBe(outcome.kind);
    }
  });

  test('raw bodies decode the same through function params as through HTTP', () => {
    // Prepare
    const bodies = Object.entries(CASES)
      .filter(([, c]) => c.door === 'body')
      .map(([f]) => f);
    // Act
    const pairs = bodies.map((f) => {
      const text = readIbm(f);
      return [decodeDelivery(requestFor('body', text)), decodeDelivery(requestFromParams(JSON.parse(text)))];
    });
    // Assess
    for (const [viaHttp, viaParams] of pairs) expect(viaParams).toEqual(viaHttp);
  });
});
