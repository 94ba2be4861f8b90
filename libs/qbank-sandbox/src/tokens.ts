import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ERROR_CODES, QBANK_SCOPES } from '#qbank/contract';
import { SandboxError } from './errors.js';
import type { SandboxClient } from './settings.js';

export interface IssuedToken {
  clientId: string;
  scopes: ReadonlySet<string>;
  expiresAt: number;
}

const KNOWN_SCOPES: ReadonlySet<string> = new Set(QBANK_SCOPES);

type AuthorizedRequest = FastifyRequest & { clientId?: string };

/** The client whose token `authorize` accepted for this request (the request log names it). */
export const clientIdOf = (request: FastifyRequest): string | null => (request as AuthorizedRequest).clientId ?? null;

class TokenError extends SandboxError {
  constructor(status: number, error: string, errorCode: (typeof ERROR_CODES)[keyof typeof ERROR_CODES], description: string) {
    super(status, errorCode, description, status === 401 ? { 'WWW-Authenticate': 'Basic realm="qbank"' } : {}, {
      error,
      error_description: description,
    });
  }
}

/** The OAuth 2.0 client-credentials server of the sandbox: opaque tokens held in memory. */
export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();
  issued = 0;

  constructor(
    private clients: SandboxClient[],
    private ttlSeconds: () => number,
  ) {}

  setClients(clients: SandboxClient[]): void {
    this.clients = clients;
  }

  /** Handles a token request body (form fields) with an optional Basic `Authorization` header. */
  issue(form: Record<string, string | undefined>, authorization: string | undefined): Record<string, unknown> {
    let clientId = form.client_id;
    let clientSecret = form.client_secret;
    if (authorization?.startsWith('Basic ')) {
      const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        clientId = decodeURIComponent(decoded.slice(0, colon));
        clientSecret = decodeURIComponent(decoded.slice(colon + 1));
      }
    }
    if (form.grant_type !== 'client_credentials') {
      throw new TokenError(400, 'unsupported_grant_type', ERROR_CODES.unsupportedGrant, 'grant_type must be client_credentials');
    }
    const client = this.clients.find((c) => c.id === clientId);
    if (!client || client.secret !== clientSecret) {
      throw new TokenError(401, 'invalid_client', ERROR_CODES.invalidClient, 'Unknown client or wrong secret');
    }
    const requested = form.scope ? form.scope.split(' ').filter(Boolean) : [...client.scopes];
    const unknown = requested.filter((s) => !KNOWN_SCOPES.has(s));
    if (unknown.length > 0) {
      throw new TokenError(400, 'invalid_scope', ERROR_CODES.invalidScope, `Unknown scope: ${unknown.join(' ')}`);
    }
    // RFC 6749 §3.3: the server may issue fewer scopes than asked; the answer says which.
    const granted = requested.filter((s) => client.scopes.includes(s));
    const token = randomBytes(24).toString('base64url');
    const ttl = this.ttlSeconds();
    this.tokens.set(token, { clientId: client.id, scopes: new Set(granted), expiresAt: Date.now() + ttl * 1000 });
    this.issued += 1;
    if (this.tokens.size > 10_000) this.purgeExpired();
    return { access_token: token, token_type: 'Bearer', expires_in: ttl, scope: granted.join(' ') };
  }

  /** The caller's token, checked for validity and for the scope the operation needs; the request remembers its client. */
  authorize(request: FastifyRequest, scope: string): IssuedToken {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    const issued = token ? this.tokens.get(token) : undefined;
    if (!issued || issued.expiresAt <= Date.now()) {
      throw new SandboxError(401, ERROR_CODES.invalidToken, token ? 'Access token invalid or expired' : 'Access token missing', {
        'WWW-Authenticate': `Bearer error="invalid_token"`,
      });
    }
    if (!issued.scopes.has(scope)) {
      throw new SandboxError(403, ERROR_CODES.scopeMissing, `The access token lacks the scope ${scope}`, {
        'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"`,
      });
    }
    (request as AuthorizedRequest).clientId = issued.clientId;
    return issued;
  }

  revokeAll(): number {
    const count = this.tokens.size;
    this.tokens.clear();
    return count;
  }

  private purgeExpired(): void {
    const now = Date.now();
    for (const [token, issued] of this.tokens) if (issued.expiresAt <= now) this.tokens.delete(token);
  }
}
