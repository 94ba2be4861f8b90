import { startSandbox } from './index.js';

/** `npm run sandbox`: the QBank sandbox alone, configured from the environment. */
const sandbox = await startSandbox();
const { settings } = sandbox;
process.stdout.write(
  `${JSON.stringify({
    level: 'info',
    time: new Date().toISOString(),
    msg: 'QBank sandbox listening',
    base_url: sandbox.baseUrl,
    clients: settings.clients.map((c) => c.id),
    seed: settings.seed,
    accounts: settings.accounts,
    transactions_per_account: settings.transactionsPerAccount,
    webhook_url: settings.webhookUrl,
  })}\n`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
