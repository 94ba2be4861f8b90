import { parseSealingKeys, RequestSealer } from './request-sealer.js';

const key = (id: string, byte: number) => ({ id, key: Buffer.alloc(32, byte) });

describe('RequestSealer (AES-256-GCM, key ids for rotation)', () => {
  const request = JSON.stringify({ creditor: { account_number: '123456789' } });

  it('seals so that the text is not readable, and opens it again', () => {
    const sealer = new RequestSealer([key('k1', 1)]);
    const sealed = sealer.seal(request, 'record-1');
    expect(sealed.startsWith('k1.')).toBe(true);
    expect(sealed).not.toContain('123456789');
    expect(sealer.open(sealed, 'record-1')).toBe(request);
    expect(sealer.seal(request, 'record-1')).not.toBe(sealed); // a fresh IV each time
  });

  it('rotation: the first key seals, every key opens; an unknown key id is refused', () => {
    const old = new RequestSealer([key('k1', 1)]).seal(request, 'record-1');
    const rotated = new RequestSealer([key('k2', 2), key('k1', 1)]);
    expect(rotated.open(old, 'record-1')).toBe(request);
    expect(rotated.seal(request, 'record-1').startsWith('k2.')).toBe(true);
    expect(() => new RequestSealer([key('k2', 2)]).open(old, 'record-1')).toThrow(/unknown key \(k1\)/);
  });

  it('a sealed request opens only for its record, and any altered byte is detected', () => {
    const sealer = new RequestSealer([key('k1', 1)]);
    const sealed = sealer.seal(request, 'record-1');
    expect(() => sealer.open(sealed, 'record-2')).toThrow();
    const [id, iv, tag, data] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(data, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => sealer.open([id, iv, tag, flipped.toString('base64url')].join('.'), 'record-1')).toThrow();
  });

  it('parses REQUEST_ENCRYPTION_KEYS: ids and 32-byte keys, the sealing key first', () => {
    const raw = `new:${Buffer.alloc(32, 9).toString('base64')}, old:${Buffer.alloc(32, 8).toString('base64')}`;
    expect(parseSealingKeys(raw).map((k) => k.id)).toEqual(['new', 'old']);
    expect(() => parseSealingKeys(`short:${Buffer.alloc(16).toString('base64')}`)).toThrow(/32 bytes/);
    expect(() => parseSealingKeys(`bad id:${Buffer.alloc(32).toString('base64')}`)).toThrow(/id/);
    expect(() => new RequestSealer([])).toThrow(/at least one/);
  });
});
