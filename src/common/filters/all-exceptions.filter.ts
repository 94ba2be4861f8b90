import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../errors/error-response.js';

/** Every error a route raises leaves in one of the bank's two formats, always with `request_id`. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    // Terminus answers 503 with its report; keep the report beside the standard fields.
    const report = exception instanceof HttpException ? exception.getResponse() : undefined;
    const extra = report && typeof report === 'object' && 'details' in report ? (report as Record<string, unknown>) : {};
    sendError(request, reply, exception, extra);
  }
}
