// The audit_trail section: the Cloud Object Storage bucket the guard writes its decisions to.
import * as v from 'valibot';
import { section } from '../../policy/schema.ts';
import { Region } from './common.ts';

const Guid = v.pipe(
  v.string('expected a GUID'),
  v.trim(),
  v.regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'expected a service instance GUID such as 0c3f9b0e-1d2a-4c5b-8e7f-9a0b1c2d3e4f',
  ),
);

const BucketName = v.pipe(
  v.string('expected a bucket name'),
  v.trim(),
  v.regex(
    /^[a-z0-9][-.a-z0-9]{1,61}[a-z0-9]$/,
    'a bucket name is 3-63 lowercase letters, digits, periods and hyphens',
  ),
);

const AuditTrail = section({
  bucket: BucketName,
  region: Region,
  /** Object name prefix; left out, the guard's default (`imds-guard/decisions`) applies. */
  prefix: v.optional(
    v.pipe(v.string('expected an object name prefix'), v.trim(), v.minLength(1, 'must not be empty')),
  ),
  /** Left out, the guard uses the region's public endpoint. */
  endpoint: v.optional(
    v.pipe(
      v.string('expected an endpoint URL'),
      v.trim(),
      v.regex(
        /^https:\/\/[A-Za-z0-9.-]+(:\d+)?\/?$/,
        'expected an endpoint URL such as https://s3.direct.us-south.cloud-object-storage.appdomain.cloud',
      ),
    ),
  ),
  /** GUID of the Cloud Object Storage instance: the write grant is scoped to it and the bucket. */
  instance_id: Guid,
});

type AuditTrail = v.InferOutput<typeof AuditTrail>;

export { AuditTrail };
