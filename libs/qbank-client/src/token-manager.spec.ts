import { TokenManager } from './token-manager.js';

describe('TokenManager', () => {
  it('fetches once for concurrent callers of one scope set, whatever the order of the scopes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const fetched: string[] = [];
    const manager = new TokenManager(async (scopes) => {
      fetched.push(scopes.join(' '));
      await gate;
      return { accessToken: `token-${fetched.length}`, expiresInSeconds: 3600 };
    });
    const waiting = Array.from({ length: 50 }, (_, i) => manager.token(i % 2 ? ['b.read', 'a.read'] : ['a.read', 'b.read']));
    release();
    expect(new Set(await Promise.all(waiting))).toEqual(new Set(['token-1']));
    expect(fetched).toHaveLength(1);
    await expect(manager.token(['c.read'])).resolves.toBe('token-2');
  });

  it('does not cache a failed fetch, and forgets only the token that was refused', async () => {
    let calls = 0;
    const manager = new TokenManager(async () => {
      calls += 1;
      if (calls === 1) throw new Error('token endpoint down');
      return { accessToken: `t${calls}`, expiresInSeconds: 3600 };
    });
    await expect(manager.token(['a'])).rejects.toThrow('token endpoint down');
    await expect(manager.token(['a'])).resolves.toBe('t2');
    manager.invalidate(['a'], 'some-older-token');
    await expect(manager.token(['a'])).resolves.toBe('t2');
    manager.invalidate(['a'], 't2');
    await expect(manager.token(['a'])).resolves.toBe('t3');
  });
});
