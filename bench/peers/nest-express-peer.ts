import 'reflect-metadata';
import { HttpModule, HttpService } from '@nestjs/axios';
import { Controller, Get, HttpException, Injectable, Module, type OnModuleInit, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { isAxiosError } from 'axios';
import { firstValueFrom } from 'rxjs';

/**
 * The reads' peer (contract §12 b): the default service a team writes in front of QBank — NestJS on Express,
 * `@nestjs/axios`'s HttpService with its default transport, one bank token fetched at start-up (client
 * credentials), no auth of callers, no audit. It forwards `GET /v1/balances/:id` only.
 * `QBANK_BASE_URL` and `PORT` from the environment.
 */
const base = process.env.QBANK_BASE_URL ?? 'http://127.0.0.1:4010/v1';

@Injectable()
class QBankService implements OnModuleInit {
  private token = '';

  constructor(private readonly http: HttpService) {}

  async onModuleInit(): Promise<void> {
    const answer = await firstValueFrom(
      this.http.post<{ access_token: string }>(`${base}/token`, 'grant_type=client_credentials', {
        auth: { username: 'gateway', password: 'sandbox-secret' },
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
    this.token = answer.data.access_token;
  }

  async balance(accountId: string): Promise<unknown> {
    try {
      const answer = await firstValueFrom(
        this.http.get<unknown>(`${base}/balances/${encodeURIComponent(accountId)}`, { headers: { authorization: `Bearer ${this.token}` } }),
      );
      return answer.data;
    } catch (error) {
      // QBank's own refusal (404, 400, …) passes through with its status; anything else is Nest's 500.
      if (isAxiosError(error) && error.response) throw new HttpException(error.response.data as object, error.response.status);
      throw error;
    }
  }
}

@Controller('v1/balances')
class BalancesController {
  constructor(private readonly qbank: QBankService) {}

  @Get(':id')
  balance(@Param('id') id: string): Promise<unknown> {
    return this.qbank.balance(id);
  }
}

@Module({ imports: [HttpModule], controllers: [BalancesController], providers: [QBankService] })
class PeerModule {}

const app = await NestFactory.create(PeerModule, new ExpressAdapter());
await app.listen(Number(process.env.PORT ?? 3901), '127.0.0.1');
