export interface FetchedToken {
  accessToken: string;
  expiresInSeconds: number;
}

interface CachedToken {
  accessToken: string;
  /** When the cached token is no longer handed out (shortly before it really expires). */
  refreshAt: number;
}

/**
 * One token per scope set, cached until shortly before expiry; concurrent callers needing the same
 * scope set share a single token request.
 */
export class TokenManager {
  private readonly cache = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<CachedToken>>();
  fetches = 0;

  constructor(
    private readonly fetchToken: (scopes: readonly string[], retries?: number) => Promise<FetchedToken>,
    /** Refresh this long before expiry: the smaller of this and a tenth of the token's lifetime. */
    private readonly refreshSkewSeconds = 60,
  ) {}

  static key(scopes: readonly string[]): string {
    return [...new Set(scopes)].sort().join(' ');
  }

  /** `retries` bounds the token request this call may start (a health probe wants none). */
  async token(scopes: readonly string[], retries?: number): Promise<string> {
    const key = TokenManager.key(scopes);
    const cached = this.cache.get(key);
    if (cached && cached.refreshAt > Date.now()) return cached.accessToken;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.fetch(key, scopes, retries).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return (await pending).accessToken;
  }

  /** Drops a token QBank refused (401), unless a newer one has replaced it already. */
  invalidate(scopes: readonly string[], accessToken: string): void {
    const key = TokenManager.key(scopes);
    if (this.cache.get(key)?.accessToken === accessToken) this.cache.delete(key);
  }

  private async fetch(key: string, scopes: readonly string[], retries?: number): Promise<CachedToken> {
    this.fetches += 1;
    const started = Date.now();
    const fetched = await this.fetchToken(scopes, retries);
    const lifetimeMs = fetched.expiresInSeconds * 1000;
    const skewMs = Math.min(this.refreshSkewSeconds * 1000, lifetimeMs / 10);
    const entry = { accessToken: fetched.accessToken, refreshAt: started + lifetimeMs - skewMs };
    this.cache.set(key, entry);
    return entry;
  }
}
