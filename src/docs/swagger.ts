import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ProblemDto, StandardErrorDto } from './error.dto.js';

/** The gateway's own OpenAPI document at `/docs` (UI) and `/docs-json`. */
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
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [StandardErrorDto, ProblemDto] });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
