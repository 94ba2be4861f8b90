import { Test } from '@nestjs/testing';
import { QBankClient, QBankClientModule, type QBankClientModuleOptions } from '#qbank/client';

/** A QBankClient wired exactly as the gateway wires it: @nestjs/axios over the undici transport. */
export async function createClient(options: QBankClientModuleOptions): Promise<{ client: QBankClient; close: () => Promise<void> }> {
  const moduleRef = await Test.createTestingModule({
    imports: [QBankClientModule.forRootAsync({ useFactory: () => options })],
  }).compile();
  await moduleRef.init();
  return { client: moduleRef.get(QBankClient), close: () => moduleRef.close() };
}
