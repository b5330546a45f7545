// A COS object notification (CE-COS): body `{bucket, key, operation, notification}`, in binary or
// structured CloudEvents mode or plain; the `ce-*` headers name the object too.
import * as v from 'valibot';
import {
  CE_TYPES,
  type DecodedDelivery,
  type Envelope,
  EnvelopeParseError,
  type Incoming,
  nonEmpty,
  timeOf,
} from '../commons.ts';

const Notification = v.looseObject({
  bucket_name: v.optional(v.unknown()),
  object_name: v.optional(v.unknown()),
  event_type: v.optional(v.unknown()),
  request_time: v.optional(v.unknown()),
});

const CosBody = v.looseObject({
  bucket: v.optional(v.unknown()),
  key: v.optional(v.unknown()),
  operation: v.optional(v.unknown()),
  endpoint: v.optional(v.unknown()),
  notification: v.optional(v.unknown()),
});

/** A plain delivery is a COS notification when it names a bucket, a key and an `Object:*` operation. */
const PlainCosBody = v.object({
  bucket: v.string(),
  key: v.string(),
  operation: v.pipe(v.string(), v.regex(/^Object:/)),
});

class CosParseError extends EnvelopeParseError {
  override name = 'CosParseError';
}

const COS_TYPES: readonly string[] = [CE_TYPES.cosWrite, CE_TYPES.cosDelete];

const bucketFromSource = (source: string | undefined): string | undefined =>
  source?.match(/\/cloud-object-storage\/([^/?#]+)\/?$/)?.[1];

const decodeCos = (d: Incoming): DecodedDelivery => {
  const headers = d.request.headers;
  const payload = d.ce ? d.ce.data : d.body;
  const b = v.parse(CosBody, payload.ok && v.is(CosBody, payload.value) ? payload.value : {});
  const n = v.is(Notification, b.notification) ? b.notification : {};
  const ceType = d.ce?.type ?? '';
  const bucket = nonEmpty(b.bucket) ?? nonEmpty(n.bucket_name) ?? bucketFromSource(headers['ce-source']);
  const key = nonEmpty(b.key) ?? nonEmpty(n.object_name) ?? nonEmpty(headers['ce-subject']);
  const operation =
    nonEmpty(b.operation) ??
    nonEmpty(n.event_type) ??
    (ceType === CE_TYPES.cosDelete ? 'Object:Delete' : 'Object:Write');
  if (!bucket || !key) throw new CosParseError('COS notification without a bucket and object key');
  const endpoint = nonEmpty(b.endpoint);
  const deliveryTime = d.ce?.time ?? timeOf(nonEmpty(headers['ce-time']) ?? nonEmpty(n.request_time));
  const notes = ['COS object notifications are read by the COS job'];
  if (d.ce?.mode === 'binary' && !payload.ok)
    notes.push(`body is ${payload.error}; bucket and key taken from ce-* headers`);
  return {
    ok: true,
    kind: 'cos',
    cos: { bucket, key, operation, ...(endpoint ? { endpoint } : {}) },
    events: [],
    ...(d.deliveryId ? { deliveryId: d.deliveryId } : {}),
    ...(deliveryTime ? { deliveryTime } : {}),
    notes,
  };
};

const cos = {
  kind: 'cos',
  // `bucket` first: without it PlainCosBody fails anyway (and an AT event has none).
  matches: (d) =>
    d.ce
      ? COS_TYPES.includes(d.ce.type)
      : d.body.ok &&
        typeof (d.body.value as { bucket?: unknown } | null)?.bucket === 'string' &&
        v.is(PlainCosBody, d.body.value),
  decode: decodeCos,
} satisfies Envelope;

export { CosBody, CosParseError, cos };
