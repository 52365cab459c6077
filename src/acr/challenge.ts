/** One challenge of a `WWW-Authenticate` header: its scheme (lower-cased) and parameters (names lower-cased). */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: ReadonlyMap<string, string>;
  readonly token68?: string;
}

export interface BearerChallenge {
  readonly realm: string;
  readonly service: string;
  readonly scope?: string;
}

/** A `WWW-Authenticate` header that does not follow RFC 9110 section 11.6.1, or lacks what a Bearer login needs. */
export class ChallengeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChallengeError';
  }
}

const tokenChar = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const token68Pattern = /^[A-Za-z0-9\-._~+/]+=*/;

/** Parses every challenge of a `WWW-Authenticate` header (RFC 9110: token and quoted-string values, several challenges). */
export function parseChallenges(header: string): AuthChallenge[] {
  const scanner = new Scanner(header);
  const challenges: AuthChallenge[] = [];
  scanner.skipSeparators();
  while (!scanner.atEnd()) {
    const scheme = scanner.token();
    if (!scheme) throw scanner.error('expected an authentication scheme');
    const params = new Map<string, string>();
    let token68: string | undefined;
    if (scanner.skipSpaces() && !scanner.atEnd() && scanner.peek() !== ',') {
      token68 = scanner.token68();
      if (token68 === undefined) readParams(scanner, params);
    }
    challenges.push({ scheme: scheme.toLowerCase(), params, token68 });
    scanner.skipSpaces();
    if (!scanner.atEnd() && scanner.peek() !== ',') throw scanner.error('expected a comma between challenges');
    scanner.skipSeparators();
  }
  if (challenges.length === 0) throw new ChallengeError('the WWW-Authenticate header is empty');
  return challenges;
}

/** The Bearer challenge of a header, with the realm and service a token request needs. */
export function parseBearerChallenge(header: string): BearerChallenge {
  const challenges = parseChallenges(header);
  const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
  if (!bearer) {
    throw new ChallengeError(`the registry asked for ${challenges.map((challenge) => challenge.scheme).join(', ')} authentication, not a Bearer token`);
  }
  const realm = bearer.params.get('realm');
  const service = bearer.params.get('service');
  if (!realm) throw new ChallengeError('the Bearer challenge has no realm');
  if (!URL.canParse(realm)) throw new ChallengeError('the realm of the Bearer challenge is not an absolute URL');
  if (!service) throw new ChallengeError('the Bearer challenge has no service');
  const scope = bearer.params.get('scope');
  return scope ? { realm, service, scope } : { realm, service };
}

/** `name=value` pairs separated by commas, up to where the next challenge's scheme starts. */
function readParams(scanner: Scanner, params: Map<string, string>): void {
  for (;;) {
    const start = scanner.position;
    const name = scanner.token();
    scanner.skipSpaces();
    if (!name || scanner.peek() !== '=') {
      if (params.size === 0) throw scanner.error('expected name=value');
      scanner.position = start;
      return;
    }
    scanner.position += 1;
    scanner.skipSpaces();
    const value = scanner.peek() === '"' ? scanner.quotedString() : scanner.bareValue();
    if (value === undefined) throw scanner.error(`expected a value for ${name}`);
    const key = name.toLowerCase();
    if (params.has(key)) throw new ChallengeError(`the parameter ${key} appears twice in one challenge`);
    params.set(key, value);
    scanner.skipSpaces();
    if (scanner.atEnd() || scanner.peek() !== ',') return;
    const beforeComma = scanner.position;
    scanner.skipSeparators();
    if (scanner.atEnd()) return;
    // After a comma comes either another parameter or the next challenge; a parameter has `=` after its name.
    const next = scanner.position;
    scanner.token();
    scanner.skipSpaces();
    const isParam = scanner.peek() === '=';
    scanner.position = isParam ? next : beforeComma;
    if (!isParam) return;
  }
}

class Scanner {
  position = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.position >= this.text.length;
  }

  peek(): string {
    return this.text[this.position] ?? '';
  }

  /** Skips spaces and tabs; true when there were any. */
  skipSpaces(): boolean {
    const start = this.position;
    while (this.peek() === ' ' || this.peek() === '\t') this.position += 1;
    return this.position > start;
  }

  skipSeparators(): void {
    while (this.peek() === ' ' || this.peek() === '\t' || this.peek() === ',') this.position += 1;
  }

  token(): string | undefined {
    const start = this.position;
    while (!this.atEnd() && tokenChar.test(this.peek())) this.position += 1;
    return this.position > start ? this.text.slice(start, this.position) : undefined;
  }

  /**
   * An unquoted value. RFC 9110 allows only token characters, but registries send hosts and URLs unquoted
   * (`service=host:5000`), so everything up to a comma, space or quote is taken.
   */
  bareValue(): string | undefined {
    const start = this.position;
    while (!this.atEnd() && !/[\s,"]/.test(this.peek())) this.position += 1;
    return this.position > start ? this.text.slice(start, this.position) : undefined;
  }

  /** A token68 stands alone: it is followed by the end or a comma, never by `=value`. */
  token68(): string | undefined {
    const match = token68Pattern.exec(this.text.slice(this.position));
    if (!match) return undefined;
    const after = this.text.slice(this.position + match[0].length).trimStart();
    if (after !== '' && !after.startsWith(',')) return undefined;
    this.position += match[0].length;
    return match[0];
  }

  quotedString(): string {
    let value = '';
    this.position += 1;
    for (;;) {
      if (this.atEnd()) throw this.error('a quoted value is not closed');
      const char = this.peek();
      this.position += 1;
      if (char === '"') return value;
      if (char === '\\') {
        if (this.atEnd()) throw this.error('a quoted value ends with a lone backslash');
        value += this.peek();
        this.position += 1;
      } else {
        value += char;
      }
    }
  }

  error(expected: string): ChallengeError {
    return new ChallengeError(`the WWW-Authenticate header is malformed at character ${this.position + 1}: ${expected}`);
  }
}
