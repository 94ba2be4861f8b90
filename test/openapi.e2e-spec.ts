import { readFileSync } from 'node:fs';
import { call, startGateway, type TestGateway } from './support/gateway.js';

/** The caller SDK's types and `npm run lint` work from this copy of the document. */
const COMMITTED = 'libs/gateway-client/openapi/qbank-gateway.json';

/**
 * The gateway's OpenAPI document does not drift from the committed copy. This gateway runs with another
 * configuration than `npm run gen:gateway-openapi` (test mode, its own port, the sandbox, this suite's
 * database): the document must not depend on any of it.
 */
describe('the OpenAPI document (real HTTP)', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw?.close());

  it(`serves at /docs-json, without a token, exactly ${COMMITTED}`, async () => {
    const { status, body } = await call(gw, 'GET', '/docs-json');
    expect(status).toBe(200);
    const committed: unknown = JSON.parse(readFileSync(COMMITTED, 'utf8'));
    try {
      expect(body).toStrictEqual(committed);
    } catch (error) {
      throw new Error(
        `The document served at /docs-json differs from ${COMMITTED}: run \`npm run gen:gateway-openapi\` and commit the file.\n\n${(error as Error).message}`,
        { cause: error },
      );
    }
  });
});
