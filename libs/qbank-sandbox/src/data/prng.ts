/**
 * Deterministic, allocation-free hashing for generated data: every value is a pure function of
 * (seed, kind, indices), so any page can be derived on demand without holding the dataset.
 */
export function hash32(...parts: number[]): number {
  let h = 0x811c9dc5 ^ parts.length;
  for (const part of parts) {
    h = Math.imul(h ^ (part | 0), 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca77);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae3d);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A float in [0, 1) from the hash of the parts. */
export function unit(...parts: number[]): number {
  return hash32(...parts) / 0x1_0000_0000;
}

/** An integer in [min, max] from the hash of the parts. */
export function intBetween(min: number, max: number, ...parts: number[]): number {
  return min + Math.floor(unit(...parts) * (max - min + 1));
}

const hex = (n: number): string => n.toString(16).padStart(8, '0');

/** A version-4-shaped UUID derived from the parts. */
export function uuidFrom(...parts: number[]): string {
  const a = hex(hash32(...parts, 1));
  const b = hex(hash32(...parts, 2));
  const c = hex(hash32(...parts, 3));
  const d = hex(hash32(...parts, 4));
  const variant = ((parseInt(c[0] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4)}${d}`;
}

/** Small integer codes for the kinds of generated things, so that their hashes never collide. */
export const Kind = {
  account: 1,
  transaction: 2,
  exception: 3,
  balance: 4,
  activity: 5,
} as const;
