/** A token that is not a JWT with a numeric `exp`; the message never contains the token. */
export class JwtError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwtError';
  }
}

/** When a JWT expires, in milliseconds since the epoch, read from its `exp` claim (the signature is the server's business). */
export function jwtExpiresOn(token: string): number {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) throw new JwtError('the token is not a JWT (three base64url parts)');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('the token payload is not JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new JwtError('the token payload is not a JSON object');
  const exp = (payload as Record<string, unknown>).exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= 0) throw new JwtError('the token has no numeric exp claim');
  return exp * 1000;
}
