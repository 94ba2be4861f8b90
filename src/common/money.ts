/**
 * Money on the wire is a decimal string ("1250.00"); inside, integer minor units as bigint. USD only
 * today: two minor digits. Twelve integer digits at most keeps every amount exact everywhere.
 */
export const AMOUNT_PATTERN = /^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$/;

export function isAmount(value: unknown): value is string {
  return typeof value === 'string' && AMOUNT_PATTERN.test(value) && parseMinor(value) > 0n;
}

export function parseMinor(amount: string): bigint {
  if (!AMOUNT_PATTERN.test(amount)) throw new RangeError(`not an amount: ${amount}`);
  const [whole = '0', fraction = ''] = amount.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
}

export function formatMinor(minor: bigint): string {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  return `${negative ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** ABA routing number: nine digits, 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10), not all zeros. */
export function isAbaRoutingNumber(value: unknown): value is string {
  if (typeof value !== 'string' || !/^[0-9]{9}$/.test(value) || value === '000000000') return false;
  const d = [...value].map(Number);
  const sum = 3 * (d[0]! + d[3]! + d[6]!) + 7 * (d[1]! + d[4]! + d[7]!) + (d[2]! + d[5]! + d[8]!);
  return sum % 10 === 0;
}

/** `*****6789`: what is kept of an account number. */
export const maskAccountNumber = (accountNumber: string): string =>
  `${'*'.repeat(Math.max(1, accountNumber.length - 4))}${accountNumber.slice(-4)}`;

/** A bigint money column: integer minor units in the database, bigint in the code (never a float). */
export const minorUnits = {
  to: (value: bigint | null | undefined): string | null | undefined => (typeof value === 'bigint' ? value.toString() : value),
  from: (value: string | number | null): bigint | null => (value === null ? null : BigInt(value)),
};
