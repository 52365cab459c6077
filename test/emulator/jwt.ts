import { constants, createPublicKey, KeyObject, sign, verify } from 'node:crypto';

export type Claims = Record<string, unknown>;

export function signJwt(claims: Claims, privateKey: KeyObject, header: Record<string, unknown> = {}): string {
  const encodedHeader = base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', ...header }));
  const encodedClaims = base64url(JSON.stringify(claims));
  const signature = sign('sha256', Buffer.from(`${encodedHeader}.${encodedClaims}`), privateKey);
  return `${encodedHeader}.${encodedClaims}.${signature.toString('base64url')}`;
}

export interface DecodedJwt {
  readonly header: Record<string, unknown>;
  readonly claims: Claims;
}

/** Reads a JWT without checking it; undefined when the text is not a JWT. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString()) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString()) as unknown;
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims };
  } catch {
    return undefined;
  }
}

export class JwtError extends Error {}

/**
 * Checks the signature (RS256 or PS256) against any of `keys`, then `exp` and `nbf`.
 * Audience and issuer are the caller's business, since each endpoint has its own rules.
 */
export function verifyJwt(token: string, keys: Array<KeyObject | string>, nowSeconds = Math.floor(Date.now() / 1000)): DecodedJwt {
  const decoded = decodeJwt(token);
  if (!decoded) throw new JwtError('not a JWT');
  const [encodedHeader, encodedClaims, encodedSignature] = token.split('.');
  const data = Buffer.from(`${encodedHeader}.${encodedClaims}`);
  const signature = Buffer.from(encodedSignature, 'base64url');
  const alg = decoded.header.alg;
  const valid = keys.some((key) => {
    const publicKey = typeof key === 'string' ? createPublicKey(key) : key;
    if (alg === 'RS256') return verify('sha256', data, publicKey, signature);
    if (alg === 'PS256') {
      return verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
    }
    return false;
  });
  if (!valid) throw new JwtError('signature does not verify');
  const { exp, nbf } = decoded.claims;
  if (typeof exp !== 'number' || exp <= nowSeconds) throw new JwtError('token is expired');
  // A little leeway for clocks, as real services allow.
  if (typeof nbf === 'number' && nbf > nowSeconds + 300) throw new JwtError('token is not valid yet');
  return decoded;
}

export function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
