import { Logger } from 'nestjs-pino';
import type { AppOverrides } from './app.module';
import type { ApiConfig } from './infrastructure/api-config';
import { createApp, drain, DRAIN_TIMEOUT_MS } from './create-app';

/** Builds the app, listens, and stops cleanly on SIGTERM/SIGINT: what `npm start` runs (main.ts). */
export async function serve(config: ApiConfig, overrides: AppOverrides = {}): Promise<void> {
  const app = await createApp(config, overrides);
  // SIGTERM/SIGINT: refuse new connections, answer every request already on one (drain),
  // then stop the workers, close the store and exit 0. Nest's own shutdown hooks would
  // re-raise the signal instead.
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    app.get(Logger).log({ msg: 'stopping', signal });
    drain(app)
      .then(({ forced }) =>
        forced
          ? app.get(Logger).warn({ msg: `drain timed out: connections closed after ${DRAIN_TIMEOUT_MS} ms`, signal })
          : app.get(Logger).log({ msg: 'drained: every request answered', signal }),
      )
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await app.listen({ port: config.port, host: config.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // Tests and operators read the port from this line (PORT=0 picks a free one).
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  app.get(Logger).log({
    msg: 'accord api listening',
    port,
    host: config.host,
    console: `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}/console`,
  });
}
