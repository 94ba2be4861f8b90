import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * Where the QBank OpenAPI document lives. The source tree keeps it in `libs/qbank-contract/openapi`;
 * the build copies that folder next to the compiled module, so the same relative path works in both.
 */
export const QBANK_OPENAPI_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'openapi', 'qbank-connect.yaml');

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Record<string, unknown>> };
  [key: string]: unknown;
}

let cached: OpenApiDocument | undefined;

/** The parsed QBank OpenAPI document (parsed once per process). */
export function loadQBankOpenApi(): OpenApiDocument {
  cached ??= parse(readFileSync(QBANK_OPENAPI_PATH, 'utf8')) as OpenApiDocument;
  return cached;
}
