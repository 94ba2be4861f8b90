import { readFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';
import { QBANK_OPENAPI_PATH } from './openapi-document.js';

describe('QBank types', () => {
  it('are exactly what openapi-typescript generates from the OpenAPI document (run `npm run gen:qbank-types`)', async () => {
    const ast = await openapiTS(new URL(`file://${QBANK_OPENAPI_PATH}`));
    const generated = astToString(ast);
    const committed = readFileSync(new URL('./qbank-connect.schema.ts', import.meta.url), 'utf8');
    const body = (text: string) => text.slice(text.indexOf('export interface paths')).trim();
    expect(body(committed)).toBe(body(generated));
  });
});
