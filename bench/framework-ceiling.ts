/**
 * The framework's ceiling: the progress route on bare NestJS-on-Fastify with accord's own
 * authentication (AuthGuard: Bearer key → SHA-256 → key lookup, cached), validation
 * (the global ValidationPipe and ReportProgressDto) and error filter, answering from memory
 * instead of reading, deciding and appending. Run by `npm run bench` as a child process:
 *
 *     ACCORD_BENCH_KEY=<key> PORT=<port> node dist/bench/framework-ceiling.js
 */
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE, NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  ApiKeys,
  AuthGuard,
  createValidationPipe,
  hashKey,
  ProblemDetailsFilter,
  Public,
  ReportProgressDto,
  Roles,
  type ApiKeyRecord,
  type ApiStateStore,
} from '../apps/api/src';

/** Keys in a Map: the lookup the API does once per key before its cache answers. */
class MemoryApiState implements ApiStateStore {
  private readonly keys = new Map<string, ApiKeyRecord>();
  async putKey(record: ApiKeyRecord): Promise<void> {
    this.keys.set(record.keyHash, record);
  }
  async findKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return this.keys.get(keyHash);
  }
  async findKeyById(id: string): Promise<ApiKeyRecord | undefined> {
    return [...this.keys.values()].find((k) => k.id === id);
  }
  async listKeys(): Promise<ApiKeyRecord[]> {
    return [...this.keys.values()];
  }
  async revokeKey(): Promise<boolean> {
    return false;
  }
  async touchKey(): Promise<boolean> {
    return false;
  }
  async close(): Promise<void> {}
}

const uuid = new ParseUUIDPipe();
const revisions = new Map<string, number>();
let position = 0;

@Controller()
class CeilingController {
  @Get('health')
  @Public()
  health() {
    return { status: 'ok' };
  }

  @Post('commitments/:id/progress')
  @HttpCode(200)
  @Roles('integration', 'delegate', 'secretariat')
  progress(@Param('id', uuid) id: string, @Body() body: ReportProgressDto) {
    const revision = (revisions.get(id) ?? 3) + 1;
    revisions.set(id, revision);
    void body;
    return { id, revision, position: ++position, events: [{ type: 'ProgressReported', revision }] };
  }
}

async function main(): Promise<void> {
  const state = new MemoryApiState();
  const key = process.env.ACCORD_BENCH_KEY;
  if (!key) throw new Error('ACCORD_BENCH_KEY is required');
  await state.putKey({
    id: 'bench-integration',
    name: 'bench integration',
    role: 'integration',
    party: 'MA',
    keyHash: hashKey(key),
    createdAt: new Date().toISOString(),
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
  });

  @Module({
    controllers: [CeilingController],
    providers: [
      { provide: ApiKeys, useValue: new ApiKeys(state) },
      { provide: APP_GUARD, useClass: AuthGuard },
      { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      { provide: APP_PIPE, useFactory: createValidationPipe },
    ],
  })
  class CeilingModule {}

  // The API's adapter options (create-app.ts: a 1 MiB body limit).
  const adapter = new FastifyAdapter({ bodyLimit: 1024 * 1024, forceCloseConnections: 'idle' });
  const app = await NestFactory.create<NestFastifyApplication>(CeilingModule, adapter, { logger: false });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
