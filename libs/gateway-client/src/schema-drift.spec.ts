import { readFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';

describe('gateway types', () => {
  it('are exactly what openapi-typescript generates from the gateway OpenAPI document (run `npm run gen:gateway-types`)', async () => {
    // The options of the script: a field with a default is optional to send (`on_cutoff`, `same_day`, `void`).
    const ast = await openapiTS(new URL('../openapi/qbank-gateway.json', import.meta.url), { defaultNonNullable: false });
    const generated = astToString(ast);
    const committed = readFileSync(new URL('./qbank-gateway.schema.ts', import.meta.url), 'utf8');
    const body = (text: string) => text.slice(text.indexOf('export interface paths')).trim();
    expect(body(committed)).toBe(body(generated));
  });
});
