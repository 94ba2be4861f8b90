import { readFileSync } from 'node:fs';
import { formatMinor, isAbaRoutingNumber, isAmount, maskAccountNumber, minorUnits, parseMinor } from './money.js';

// Independent cases (test/fixtures, from the project's shared test vectors).
const amounts = JSON.parse(readFileSync('test/fixtures/money-amounts.json', 'utf8')) as {
  valid: string[];
  invalid_strings: string[];
  invalid_json_values: unknown[];
};
const routing = JSON.parse(readFileSync('test/fixtures/aba-routing-numbers.json', 'utf8')) as {
  cases: { routing_number: string; valid: boolean }[];
};

describe('money', () => {
  it.each(amounts.valid)('accepts %s', (amount) => expect(isAmount(amount)).toBe(true));
  it.each(amounts.invalid_strings)('refuses %j', (amount) => expect(isAmount(amount)).toBe(false));
  it.each(amounts.invalid_json_values.map((v) => [JSON.stringify(v), v]))('refuses the JSON value %s', (_label, value) =>
    expect(isAmount(value)).toBe(false),
  );

  it('converts exactly between decimal strings and minor units', () => {
    expect(parseMinor('1250.00')).toBe(125000n);
    expect(parseMinor('1.5')).toBe(150n);
    expect(parseMinor('999999999.99')).toBe(99999999999n);
    expect(formatMinor(150n)).toBe('1.50');
    expect(formatMinor(-1n)).toBe('-0.01');
    // 0.1 + 0.2 is exact here
    expect(formatMinor(parseMinor('0.1') + parseMinor('0.2'))).toBe('0.30');
  });

  it.each(routing.cases.map((c) => [c.routing_number, c.valid]))('routing number %s valid: %s', (number, valid) =>
    expect(isAbaRoutingNumber(number)).toBe(valid),
  );

  it('keeps only the last four digits of an account number', () => {
    expect(maskAccountNumber('123456789')).toBe('*****6789');
    expect(maskAccountNumber('1234')).toBe('*1234');
  });

  it('a money column stores integer minor units and reads them back exactly, never as a float', () => {
    expect(minorUnits.to(123456789012345n)).toBe('123456789012345');
    expect(minorUnits.from('123456789012345')).toBe(123456789012345n);
    expect(minorUnits.from(1250)).toBe(1250n);
    expect(minorUnits.from(null)).toBeNull();
    expect(formatMinor(minorUnits.from('-5')!)).toBe('-0.05');
  });
});
