/** A token that is not a JWT with a numeric `exp`; the message never contains the token. */
export class JwtError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwtError';
  }
}

/** A JWT's claims, unverified (the signature is the server's business). */
function jwtClaims(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) throw new JwtError('the token is not a JWT (three base64url parts)');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('the token payload is not JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new JwtError('the token payload is not a JSON object');
  return payload as Record<string, unknown>;
}

/** When a JWT expires, in milliseconds since the epoch, read from its `exp` claim. */
export function jwtExpiresOn(token: string): number {
  const exp = jwtClaims(token).exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= 0) throw new JwtError('the token has no numeric exp claim');
  return exp * 1000;
}

/** Who an Entra token was issued to, for display: the user's sign-in name, or an application's client id. */
export function jwtAccountName(token: string): string | undefined {
  let claims;
  try {
    claims = jwtClaims(token);
  } catch {
    return undefined;
  }
  const name = [claims.preferred_username, claims.upn, claims.unique_name, claims.appid, claims.azp].find((claim) => typeof claim === 'string' && claim !== '');
  return name as string | undefined;
}

/** Whether an ACR refresh token is one an ABAC registry issued: those carry `aad_identity` (docs/protocol.md section 7). */
export function fromAbacRegistry(refreshToken: string): boolean {
  return jwtClaims(refreshToken).aad_identity !== undefined;
}

/** The actions an ACR access token grants on one resource, from its `access` claim (docs/protocol.md section 6). */
export function grantedActions(token: string, type: string, name: string): string[] {
  let claims;
  try {
    claims = jwtClaims(token);
  } catch {
    return [];
  }
  const access = Array.isArray(claims.access) ? (claims.access as unknown[]) : [];
  return access.flatMap((entry) => {
    const { type: entryType, name: entryName, actions } = (entry ?? {}) as { type?: unknown; name?: unknown; actions?: unknown };
    return entryType === type && entryName === name && Array.isArray(actions) ? actions.filter((action): action is string => typeof action === 'string') : [];
  });
}

/** One entry of an ACR access token's `access` claim. */
export interface AccessEntry {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

/** What an ACR access token says about itself (docs/protocol.md section 6), for showing it to the user. */
export interface AccessTokenClaims {
  /** The `access` claim as the registry wrote it. */
  readonly access: readonly AccessEntry[];
  /** Milliseconds since the epoch. */
  readonly expiresOn: number;
  readonly issuedAt?: number;
  /** The login server the token is for. */
  readonly audience?: string;
  readonly grantType?: string;
}

/** The claims of an ACR access token; throws `JwtError` for a token that is not a JWT with `exp`. */
export function accessTokenClaims(token: string): AccessTokenClaims {
  const claims = jwtClaims(token);
  const expiresOn = jwtExpiresOn(token);
  const access = (Array.isArray(claims.access) ? (claims.access as unknown[]) : []).flatMap((entry): AccessEntry[] => {
    const { type, name, actions } = (entry ?? {}) as { type?: unknown; name?: unknown; actions?: unknown };
    if (typeof type !== 'string' || typeof name !== 'string') return [];
    return [{ type, name, actions: Array.isArray(actions) ? actions.filter((action): action is string => typeof action === 'string') : [] }];
  });
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    access,
    expiresOn,
    issuedAt: typeof claims.iat === 'number' && Number.isFinite(claims.iat) ? claims.iat * 1000 : undefined,
    audience: text(claims.aud),
    grantType: text(claims.grant_type),
  };
}

/** What a Microsoft Entra access token says about itself, claims only (for ACR: Diagnose Access): `aud`, `tid`, who, `exp`. */
export interface EntraTokenClaims {
  readonly audience?: string;
  readonly tenantId?: string;
  readonly account?: string;
  /** `oid`: the signed-in user's or application's object id, which role assignments name. */
  readonly objectId?: string;
  /** Milliseconds since the epoch. */
  readonly expiresOn: number;
}

/** The claims of an Entra access token; throws `JwtError` for a token that is not a JWT with `exp`. */
export function entraTokenClaims(token: string): EntraTokenClaims {
  const claims = jwtClaims(token);
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return { audience: text(claims.aud), tenantId: text(claims.tid), account: jwtAccountName(token), objectId: text(claims.oid), expiresOn: jwtExpiresOn(token) };
}
