import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** One key of `REQUEST_ENCRYPTION_KEYS`: its id (stored with each sealed request) and 32 bytes. */
export interface SealingKey {
  id: string;
  key: Buffer;
}

/**
 * Seals what must be kept to re-send a request (full account numbers included): AES-256-GCM with a fresh
 * 96-bit IV per message, authenticated together with the record it belongs to (a sealed request moved to
 * another record does not open). The first key seals; every key opens, so keys can be rotated: add the new
 * one first, keep the old until the records it sealed are answered. Format: `<key id>.<iv>.<tag>.<data>`
 * (base64url).
 */
export class RequestSealer {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: readonly SealingKey[]) {
    if (keys.length === 0) throw new Error('at least one request encryption key is required');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  seal(plaintext: string, recordId: string): string {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(recordId));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [id, iv, cipher.getAuthTag(), data].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
  }

  open(sealed: string, recordId: string): string {
    const [id, iv, tag, data] = sealed.split('.');
    const key = id === undefined ? undefined : this.byId.get(id);
    if (!key || iv === undefined || tag === undefined || data === undefined) throw new Error(`sealed with an unknown key (${id ?? '?'})`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
      .setAAD(Buffer.from(recordId))
      .setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** `REQUEST_ENCRYPTION_KEYS`: `<id>:<32 bytes in base64>`, comma-separated, the sealing key first. */
export function parseSealingKeys(raw: string): SealingKey[] {
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.indexOf(':');
      const id = entry.slice(0, colon);
      const key = Buffer.from(entry.slice(colon + 1), 'base64');
      if (colon < 1 || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || key.length !== 32)
        throw new Error('each key must be <id>:<32 bytes in base64>, the id of letters, digits, - or _');
      return { id, key };
    });
}
