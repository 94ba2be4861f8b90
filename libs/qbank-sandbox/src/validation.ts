import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { loadQBankOpenApi } from '#qbank/contract';
import { invalid } from './errors.js';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as FormatsPlugin;

const DOC_ID = 'qbank-connect.json';

/** JSON Schema validators built from the OpenAPI document, so the sandbox accepts exactly what it says. */
export class SchemaValidator {
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor() {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ ...loadQBankOpenApi(), $id: DOC_ID });
  }

  validator(schemaName: string): ValidateFunction {
    let fn = this.cache.get(schemaName);
    if (!fn) {
      fn = this.ajv.compile({ $ref: `${DOC_ID}#/components/schemas/${schemaName}` });
      this.cache.set(schemaName, fn);
    }
    return fn;
  }

  /** Throws a 400 naming every bad field when `value` does not match the named schema. */
  assert<T>(schemaName: string, value: unknown): T {
    const fn = this.validator(schemaName);
    if (!fn(value)) throw invalid(describe(fn.errors ?? []));
    return value as T;
  }

  /** The errors of `value` against the named schema, or an empty list (used by tests of responses). */
  check(schemaName: string, value: unknown): string[] {
    const fn = this.validator(schemaName);
    return fn(value) ? [] : (fn.errors ?? []).map(format);
  }
}

function format(error: ErrorObject): string {
  const path = error.instancePath ? error.instancePath.slice(1).replaceAll('/', '.') : 'body';
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty?: string }).additionalProperty;
    return `${path === 'body' ? '' : `${path}.`}${extra}: unknown field`;
  }
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty?: string }).missingProperty;
    return `${path === 'body' ? '' : `${path}.`}${missing}: is required`;
  }
  return `${path}: ${error.message ?? 'is invalid'}`;
}

function describe(errors: ErrorObject[]): string {
  const unique = [...new Set(errors.filter((e) => e.keyword !== 'if').map(format))];
  return `Invalid request: ${unique.slice(0, 10).join('; ')}`;
}
