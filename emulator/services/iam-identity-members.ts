// IAM Identity trusted profiles — handlers for compute-resource links and the identities that may assume a profile.
import type { Ctx, Reply } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { stableUuid, vpcTime } from '../core/ids.ts';
import type { ProfileIdentityRec, ProfileLinkRec, ProfileRec } from '../core/state.ts';
import {
  bad,
  checkLink,
  IdentitiesBody,
  IdentityBody,
  identityRecord,
  LinkBody,
} from './iam-identity-input.ts';

import {
  CODES,
  checkIfMatch,
  emitProfile,
  IDENTITY_TYPES,
  identitiesTag,
  LINK_CR_TYPES,
  linkOr404,
  linkTag,
  profileOr404,
  renderIdentities,
  renderIdentity,
  renderLink,
  touch,
  withTag,
} from './iam-identity-model.ts';
import { enumQuery, parseBody } from './iam-shared.ts';

const listLinks = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  return { status: 200, body: { links: p.links.map(renderLink) } };
};

const sameLink = (a: ProfileLinkRec['link'], b: ProfileLinkRec['link']): boolean =>
  a.crn === b.crn &&
  a.namespace === b.namespace &&
  a.name === b.name &&
  a.component_type === b.component_type &&
  a.component_name === b.component_name;

const createLink = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  const input = parseBody(ctx, LinkBody, 'bad_request');
  checkLink(ctx, input);
  const link: ProfileLinkRec['link'] = {
    crn: input.link.crn,
    ...(input.link.namespace ? { namespace: input.link.namespace } : {}),
    ...(input.link.name ? { name: input.link.name } : {}),
    ...(input.link.component_type ? { component_type: input.link.component_type } : {}),
    ...(input.link.component_name ? { component_name: input.link.component_name } : {}),
  };
  if (p.links.some((l) => l.cr_type === input.cr_type && sameLink(l.link, link))) {
    throw new ApiError(409, 'conflict', `The compute resource is already linked to trusted profile ${p.id}.`);
  }
  const at = vpcTime(ctx.now);
  const l: ProfileLinkRec = {
    id: `ProfileLink-${stableUuid(ctx.state.seed, ctx.state.nextName('link'))}`,
    ...(input.name ? { name: input.name } : {}),
    cr_type: input.cr_type,
    ...(input.is_cross_account !== undefined ? { is_cross_account: input.is_cross_account } : {}),
    link,
    created_at: at,
    modified_at: at,
    rev: 1,
  };
  p.links.push(l);
  touch(ctx, p);
  emitProfile(ctx, 'update', p, { operation: 'create-link', link: renderLink(l) }, 201);
  return withTag(201, renderLink(l), linkTag(l));
};

const getLink = (ctx: Ctx): Reply => {
  const l = linkOr404(ctx, profileOr404(ctx));
  return withTag(200, renderLink(l), linkTag(l));
};

const removeLinks = (ctx: Ctx, p: ProfileRec, gone: ProfileLinkRec[]): Reply => {
  const ids = new Set(gone.map((l) => l.id));
  p.links = p.links.filter((l) => !ids.has(l.id));
  touch(ctx, p);
  emitProfile(ctx, 'update', p, { operation: 'delete-link', links: gone.map(renderLink) }, 204);
  return { status: 204 };
};

const deleteLink = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  return removeLinks(ctx, p, [linkOr404(ctx, p)]);
};

const deleteLinkByParameters = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  const type = enumQuery(ctx, 'type', LINK_CR_TYPES, CODES);
  if (!type) {
    throw new ApiError(400, 'bad_request', "Query parameter 'type' is required.", {
      target: { name: 'type', type: 'query' },
    });
  }
  const wanted = {
    crn: ctx.query.get('crn') ?? undefined,
    namespace: ctx.query.get('namespace') ?? undefined,
    name: ctx.query.get('name') ?? undefined,
    component_type: ctx.query.get('component_type') ?? undefined,
    component_name: ctx.query.get('component_name') ?? undefined,
  };
  const gone = p.links.filter(
    (l) =>
      l.cr_type === type &&
      Object.entries(wanted).every(
        ([k, want]) => want === undefined || l.link[k as keyof ProfileLinkRec['link']] === want,
      ),
  );
  if (gone.length === 0) {
    throw new ApiError(
      404,
      'not_found',
      `No ${type} link matching the parameters was found for profile ${p.id}.`,
    );
  }
  return removeLinks(ctx, p, gone);
};

const getIdentities = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  return withTag(200, renderIdentities(p), identitiesTag(p));
};

const setIdentities = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  checkIfMatch(ctx, identitiesTag(p), 'profile identities');
  const input = parseBody(ctx, IdentitiesBody, 'bad_request');
  const next = input.identities.map((i, n) => identityRecord(i, n));
  const seen = new Set<string>();
  next.forEach((i, n) => {
    if (seen.has(i.iam_id)) throw bad(`Duplicate identity '${i.identifier}'.`, `identities.${n}.identifier`);
    seen.add(i.iam_id);
  });
  const before = p.identities.map((i) => i.iam_id);
  p.identities = next;
  touch(ctx, p);
  emitProfile(ctx, 'update', p, {
    operation: 'set-identities',
    identities: next.map(renderIdentity),
    prev_identities: before,
  });
  return withTag(200, renderIdentities(p), identitiesTag(p));
};

const identityTypeParam = (ctx: Ctx): (typeof IDENTITY_TYPES)[number] => {
  const t = ctx.params.identityType ?? '';
  if (!(IDENTITY_TYPES as readonly string[]).includes(t)) {
    throw new ApiError(400, 'bad_request', `Identity type must be one of ${IDENTITY_TYPES.join(', ')}.`, {
      target: { name: 'identity-type', type: 'parameter', value: t },
    });
  }
  return t as (typeof IDENTITY_TYPES)[number];
};

const setIdentity = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  const identityType = identityTypeParam(ctx);
  const input = parseBody(ctx, IdentityBody, 'bad_request');
  if (input.type !== identityType)
    throw bad(`'type' must match the identity type '${identityType}' of the path.`, 'type');
  const rec = identityRecord(input);
  if (p.identities.some((i) => i.iam_id === rec.iam_id)) {
    throw new ApiError(
      409,
      'conflict',
      `The identity '${rec.identifier}' can already assume trusted profile ${p.id}.`,
    );
  }
  p.identities.push(rec);
  touch(ctx, p);
  emitProfile(ctx, 'update', p, { operation: 'add-identity', identity: renderIdentity(rec) });
  return { status: 200, body: renderIdentity(rec) };
};

const identityOr404 = (ctx: Ctx, p: ProfileRec): ProfileIdentityRec => {
  const type = identityTypeParam(ctx);
  const id = ctx.params.identifierId ?? '';
  const found = p.identities.find((i) => i.type === type && (i.identifier === id || i.iam_id === id));
  if (!found)
    throw new ApiError(404, 'not_found', `Identity '${id}' of type ${type} not found for profile ${p.id}.`);
  return found;
};

const getIdentity = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  return { status: 200, body: renderIdentity(identityOr404(ctx, p)) };
};

const deleteIdentity = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  const gone = identityOr404(ctx, p);
  p.identities = p.identities.filter((i) => i !== gone);
  touch(ctx, p);
  emitProfile(ctx, 'update', p, { operation: 'delete-identity', identity: renderIdentity(gone) }, 204);
  return { status: 204 };
};

export {
  createLink,
  deleteIdentity,
  deleteLink,
  deleteLinkByParameters,
  getIdentities,
  getIdentity,
  getLink,
  identityOr404,
  identityTypeParam,
  listLinks,
  removeLinks,
  sameLink,
  setIdentities,
  setIdentity,
};
