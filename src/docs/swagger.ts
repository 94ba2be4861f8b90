import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ProblemDto, StandardErrorDto } from './error.dto.js';

/** The security scheme of QBank's webhook deliveries: a signature, not a token. */
export const QBANK_SIGNATURE_SCHEME = 'qbank-signature';

/**
 * The gateway's own OpenAPI document at `/docs` (UI) and `/docs-json`. It depends on nothing configured
 * (the server is relative), so every gateway serves the same bytes as the committed copy.
 */
export function setupSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('QBank Gateway')
    .setDescription(
      'The gateway between internal services and QBank Connect. Callers authenticate with a JWT bearer token (`sub` is the actor, ' +
        '`roles` map to scopes through config/roles.yaml); each route names the scope it needs in `x-required-scope`. Errors come in ' +
        'two formats: the standard `{ message, error_code, request_id }` (`application/json`) and RFC 9457 problems ' +
        '(`application/problem+json`) for idempotency conflicts. Every response carries `X-Request-ID`.',
    )
    .setVersion('1.0.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/', 'The gateway serving this document')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'Webhook-Signature',
        description:
          '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the shared webhook secret>` (several `v1=` during a rotation), ' +
          'with `t` within the tolerance (`WEBHOOK_TOLERANCE_SECONDS`, 300 by default) of now',
      },
      QBANK_SIGNATURE_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [StandardErrorDto, ProblemDto] });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
