import { applyDecorators } from '@nestjs/common';
import { DECORATORS, getSchemaPath, type ResponseObject } from '@nestjs/swagger';
import { ProblemDto, StandardErrorDto } from './error.dto.js';

/** The two error formats (contract §6) and where each is described. */
const FORMATS = {
  standard: { mediaType: 'application/json', schema: StandardErrorDto },
  problem: { mediaType: 'application/problem+json', schema: ProblemDto },
} as const;

/**
 * One error a route can answer, in one of the two formats. Answers of the same status add up — their
 * descriptions and their formats — whichever decorator declares them (the shared ones below, `RequireScope`,
 * `Idempotent`, the route's own), so that a 422 can be both a problem and a standard error.
 */
export const ErrorAnswer =
  (status: number, description: string, format: keyof typeof FORMATS = 'standard'): MethodDecorator =>
  (_target: object, _key: string | symbol, descriptor: PropertyDescriptor): void => {
    const method = descriptor.value as object;
    const responses = (Reflect.getMetadata(DECORATORS.API_RESPONSE, method) ?? {}) as Record<string, ResponseObject>;
    const existing = responses[status];
    const { mediaType, schema } = FORMATS[format];
    const answer: ResponseObject = {
      description: existing ? `${existing.description}\n\n${description}` : description,
      content: { ...existing?.content, [mediaType]: { schema: { $ref: getSchemaPath(schema) } } },
    };
    Reflect.defineMetadata(DECORATORS.API_RESPONSE, { ...responses, [status]: answer }, method);
  };

/** A NUL in the URL is refused on every route before anything else (see `installHttpHooks`). */
export const URL_NUL = 'A NUL (`%00`) in the path or query (`GW_VALIDATION`)';

/** A route that reads a JSON body: what Fastify's parsing and the validation pipe refuse. */
export const JsonBodyAnswers = (): MethodDecorator =>
  applyDecorators(
    ErrorAnswer(
      400,
      'A body the gateway does not accept (`GW_VALIDATION`, naming each problem): empty, not JSON, a key twice, nested deeper than 32 ' +
        'levels, a NUL character, or fields the route refuses',
    ),
    ErrorAnswer(413, "The body exceeds the gateway's size limit (`GW_PAYLOAD_TOO_LARGE`)"),
    ErrorAnswer(415, 'A `Content-Type` the gateway does not read (`GW_VALIDATION`): send `application/json`'),
  );

/** A route that asks QBank in real time: QBank's failures as the gateway passes them on (`fromUpstream`). */
export const QBankAnswers = (): MethodDecorator =>
  applyDecorators(
    ErrorAnswer(429, 'QBank is rate-limiting the gateway (its `ERR_…` code): retry after `Retry-After`'),
    ErrorAnswer(502, "QBank unreachable, answering garbage or refusing the gateway's credentials"),
    ErrorAnswer(503, 'QBank in maintenance, or the circuit to it open: retry after `Retry-After`'),
    ErrorAnswer(504, 'QBank did not answer in time'),
  );

/** A path parameter that `uuidParam` checks. */
export const InvalidUuidAnswer = (name: string): MethodDecorator => ErrorAnswer(400, `\`${name}\` is not a UUID (\`GW_VALIDATION\`)`);

/** Query parameters that the validation pipe checks against the route's query class. */
export const InvalidQueryAnswer = (): MethodDecorator =>
  ErrorAnswer(400, 'A query parameter that is unknown or fails validation (`GW_VALIDATION`, naming each)');
