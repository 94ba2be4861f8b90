import { HttpModule, HttpService } from '@nestjs/axios';
import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createUndiciAdapter } from './undici-adapter.js';
import { QBANK_AXIOS_DEFAULTS, QBankClient, type QBankClientOptions } from './qbank-client.js';

export const QBANK_CLIENT_OPTIONS = Symbol('QBANK_CLIENT_OPTIONS');
const UNDICI_TRANSPORT = Symbol('UNDICI_TRANSPORT');

export interface QBankClientModuleOptions extends QBankClientOptions {
  /** Keep-alive connections to QBank per gateway process. */
  connections?: number;
}

type Transport = ReturnType<typeof createUndiciAdapter>;

@Injectable()
class TransportCloser implements OnApplicationShutdown {
  constructor(@Inject(UNDICI_TRANSPORT) private readonly transport: Transport) {}

  async onApplicationShutdown(): Promise<void> {
    await this.transport.close();
  }
}

/** One undici pool per application instance, closed when the application shuts down. */
@Module({})
class UndiciTransportModule {
  static register(options: QBankClientModuleOptions['connections']): DynamicModule {
    return {
      module: UndiciTransportModule,
      providers: [{ provide: UNDICI_TRANSPORT, useFactory: () => createUndiciAdapter({ connections: options }) }, TransportCloser],
      exports: [UNDICI_TRANSPORT],
    };
  }
}

/**
 * Registers @nestjs/axios with the undici transport and provides `QBankClient` over its axios
 * instance (`axiosRef`, skipping the Observable wrapper that costs time on every call).
 */
@Module({})
export class QBankClientModule {
  static forRootAsync(options: {
    imports?: DynamicModule['imports'];
    inject?: unknown[];
    connections?: number;
    useFactory: (...args: never[]) => QBankClientModuleOptions | Promise<QBankClientModuleOptions>;
  }): DynamicModule {
    const transportModule = UndiciTransportModule.register(options.connections);
    return {
      module: QBankClientModule,
      global: true,
      imports: [
        ...(options.imports ?? []),
        HttpModule.registerAsync({
          imports: [transportModule],
          // Settings that never change per call live in the instance defaults: less for axios to merge per call.
          useFactory: (transport: Transport) => ({ ...QBANK_AXIOS_DEFAULTS, adapter: transport.adapter }),
          inject: [UNDICI_TRANSPORT],
        }),
      ],
      providers: [
        { provide: QBANK_CLIENT_OPTIONS, useFactory: options.useFactory, inject: (options.inject ?? []) as never[] },
        {
          provide: QBankClient,
          useFactory: (http: HttpService, clientOptions: QBankClientModuleOptions) => new QBankClient(http.axiosRef, clientOptions),
          inject: [HttpService, QBANK_CLIENT_OPTIONS],
        },
      ],
      exports: [QBankClient],
    };
  }
}
