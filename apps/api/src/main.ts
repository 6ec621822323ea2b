import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { readApiConfig } from './config/api-config';
import { createApp } from './create-app';

async function main(): Promise<void> {
  const config = readApiConfig();
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // Tests and operators read the port from this line (PORT=0 picks a free one).
  app.get(Logger).log({ msg: 'accord api listening', port, host: config.host });
}

main().catch((error: unknown) => {
  console.error(`accord api failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
