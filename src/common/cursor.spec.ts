import { decodeCursor, encodeCursor } from './cursor.js';

const ID = '6f2b4a9e-3c1d-4e8f-9a7b-0c5d2e1f3a4b';

describe('keyset cursors', () => {
  it('round-trip the sort key of a page (ids lower-cased)', () => {
    expect(decodeCursor(encodeCursor(['2026-11-24T10:00:00.000Z', ID]), ['instant', 'uuid'])).toEqual(['2026-11-24T10:00:00.000Z', ID]);
    expect(decodeCursor(encodeCursor(['2026-11-24', ID.toUpperCase()]), ['date', 'uuid'])).toEqual(['2026-11-24', ID]);
    expect(decodeCursor(undefined, ['uuid'])).toBeUndefined();
  });

  it('refuse anything this list did not issue', () => {
    const refused = (cursor: string, parts: Parameters<typeof decodeCursor>[1]) =>
      expect(() => decodeCursor(cursor, parts)).toThrow('cursor: not a cursor of this list');
    refused('%%%', ['uuid']);
    refused(encodeCursor([ID]), ['instant', 'uuid']);
    refused(encodeCursor(["2026-11-24T10:00:00.000Z' OR 1=1", ID]), ['instant', 'uuid']);
    refused(encodeCursor(['2026-13-45T10:00:00.000Z', ID]), ['instant', 'uuid']);
    refused(encodeCursor(['2026-11-24', 'not-a-uuid']), ['date', 'uuid']);
    refused(Buffer.from(JSON.stringify([1])).toString('base64url'), ['uuid']);
  });
});
