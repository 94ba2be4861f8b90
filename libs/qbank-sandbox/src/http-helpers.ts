import type { FastifyRequest } from 'fastify';
import { invalid } from './errors.js';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

export type Query = Record<string, string | string[] | undefined>;

/** The request's path without its query string. */
export const pathOf = (request: FastifyRequest): string => request.url.split('?')[0] ?? request.url;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw invalid(`${name}: must be given once`);
  return value;
}

export function uuidParam(value: string | undefined, name: string): string {
  if (!value || !UUID.test(value)) throw invalid(`${name}: must be a UUID`);
  return value.toLowerCase();
}

/** A UUID path parameter (`/payments/:paymentId`), lower-cased. */
export const pathUuid = (request: FastifyRequest, name: string): string =>
  uuidParam((request.params as Record<string, string | undefined>)[name], name);

export function optionalUuid(query: Query, name: string): string | undefined {
  const value = single(query, name);
  return value === undefined ? undefined : uuidParam(value, name);
}

export function limitParam(query: Query): number {
  const raw = single(query, 'limit');
  if (raw === undefined) return 100;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > 1000) throw invalid('limit: must be an integer from 1 to 1000');
  return limit;
}

export function dateTimeParam(query: Query, name: string): number | undefined {
  const raw = single(query, name);
  if (raw === undefined) return undefined;
  const ms = Date.parse(raw);
  if (!DATE_TIME.test(raw) || Number.isNaN(ms)) throw invalid(`${name}: must be an ISO-8601 date-time`);
  return ms;
}

export function enumParam<T extends string>(query: Query, name: string, values: readonly T[]): T | undefined {
  const raw = single(query, name);
  if (raw === undefined) return undefined;
  if (!values.includes(raw as T)) throw invalid(`${name}: must be one of ${values.join(', ')}`);
  return raw as T;
}

/** Opaque cursors: the position of the next item, bound to the list it came from. */
export function encodeCursor(list: string, index: number): string {
  return Buffer.from(`${list}:${index}`).toString('base64url');
}

export function decodeCursor(query: Query, list: string): number {
  const raw = single(query, 'cursor');
  if (raw === undefined) return 0;
  const decoded = Buffer.from(raw, 'base64url').toString('utf8');
  const match = /^(.*):(\d{1,10})$/.exec(decoded);
  if (!match || match[1] !== list) throw invalid('cursor: not a cursor of this list');
  return Number(match[2]);
}

/** A page of `total` items derived by index, starting at `start`. */
export function page<T>(
  list: string,
  start: number,
  end: number,
  limit: number,
  item: (i: number) => T,
): { data: T[]; next_cursor: string | null } {
  const stop = Math.min(end, start + limit);
  const data: T[] = [];
  for (let i = start; i < stop; i += 1) data.push(item(i));
  return { data, next_cursor: stop < end ? encodeCursor(list, stop) : null };
}

/** A page of a list whose items are numbered from 0 to `total`, starting where the request's cursor points. */
export function listPage<T>(query: Query, list: string, total: number, item: (i: number) => T): { data: T[]; next_cursor: string | null } {
  return page(list, decodeCursor(query, list), total, limitParam(query), item);
}
