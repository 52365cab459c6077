import { Exchange, Reply, Route } from './http';
import { IdentityFixture } from './fixture';
import { World } from './world';

/**
 * The Azure Instance Metadata Service of an emulated VM: managed identity tokens over plain HTTP,
 * only with the `Metadata: true` header (docs/protocol.md section 10).
 */
export function imdsRoute(world: World): Route {
  return (exchange) => Promise.resolve(answer(world, exchange));
}

function answer(world: World, exchange: Exchange): Reply {
  const { req, url } = exchange;
  if (url.pathname !== '/metadata/identity/oauth2/token' && url.pathname !== '/metadata/identity/oauth2/token/') {
    return { status: 404, json: { error: 'not_found', error_description: 'The requested path was not found.' } };
  }
  if (req.headers.metadata !== 'true') {
    return { status: 400, json: { error: 'invalid_request', error_description: 'Required metadata header not specified' } };
  }
  if (req.method !== 'GET') return { status: 405, json: { error: 'invalid_request', error_description: 'Only GET is supported.' } };
  const params = url.searchParams;
  const resource = params.get('resource');
  if (!params.get('api-version')) return { status: 400, json: { error: 'invalid_request', error_description: 'Required query variable api-version is missing' } };
  if (!resource) return { status: 400, json: { error: 'invalid_request', error_description: 'Required query variable resource is missing' } };
  if (!world.isArmAudience(resource) && !world.isAcrAudience(resource)) {
    return { status: 400, json: { error: 'invalid_resource', error_description: `AADSTS500011: The resource principal named ${resource} was not found in the tenant.` } };
  }
  const identity = selectIdentity(world, params);
  if (!identity) return { status: 400, json: { error: 'invalid_request', error_description: 'Identity not found' } };
  exchange.entry.caller = identity.name;
  const { token, expiresIn } = world.mintEntraToken(identity, identity.tenants[0], resource, identity.clientId ?? '');
  const now = Math.floor(Date.now() / 1000);
  return {
    status: 200,
    json: {
      access_token: token,
      client_id: identity.clientId,
      expires_in: String(expiresIn),
      expires_on: String(now + expiresIn),
      ext_expires_in: String(expiresIn),
      not_before: String(now),
      resource,
      token_type: 'Bearer',
    },
  };
}

function selectIdentity(world: World, params: URLSearchParams): IdentityFixture | undefined {
  const userAssigned = (world.fixture.imds?.userAssigned ?? []).map((name) => world.identityByName(name)).filter((identity) => identity !== undefined);
  const clientId = params.get('client_id');
  const objectId = params.get('object_id') ?? params.get('principal_id');
  const resourceId = params.get('msi_res_id') ?? params.get('mi_res_id');
  if (clientId) return userAssigned.find((identity) => identity.clientId === clientId);
  if (objectId) return userAssigned.find((identity) => identity.objectId === objectId);
  if (resourceId) return userAssigned.find((identity) => resourceId.toLowerCase().endsWith(`/userassignedidentities/${identity.name.toLowerCase()}`));
  const system = world.fixture.imds?.systemAssigned;
  return system ? world.identityByName(system) : undefined;
}
