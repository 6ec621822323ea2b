import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import addFormats from 'ajv-formats';
import OpenAPIBackend, { type Document, type Operation } from 'openapi-backend';

/**
 * The contract check of the end-to-end suites: every answer a suite receives from the API in
 * process (TestApp.request, and so the typed client) is checked against the OpenAPI document
 * the same app serves at /docs-json, by openapi-backend (Ajv): the status must be one the
 * operation documents, the media type the one documented for it, and the body valid against
 * its schema. A violation fails the request that got it. Counts are written per Jest worker
 * under reports/contract/ and summed by the global teardown (docs/testing.md).
 */

const REPORT_DIR = join(__dirname, '..', '..', 'reports', 'contract');

export class ContractViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractViolation';
  }
}

interface Tally {
  validated: number;
  /** operationId → statuses seen. */
  operations: Record<string, number[]>;
  /** Answers to requests that match no operation (unknown path, another method): problem+json checked. */
  unmatched: number;
  violations: number;
}

const tally: Tally = { validated: 0, operations: {}, unmatched: 0, violations: 0 };

/** Writes this suite's tally for the global teardown (contract-report.ts calls it after each suite file). */
export function writeContractReport(): void {
  if (tally.validated === 0 && tally.violations === 0) return;
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(join(REPORT_DIR, `${process.pid}-${randomUUID()}.json`), JSON.stringify(tally));
}

const backends = new Map<string, Promise<OpenAPIBackend>>();

/** One validator per distinct document (they are the same in a run unless a suite changes the app). */
async function backendFor(documentJson: string): Promise<OpenAPIBackend> {
  let backend = backends.get(documentJson);
  if (!backend) {
    const api = new OpenAPIBackend({
      definition: JSON.parse(documentJson) as Document,
      strict: true,
      validate: true,
      // Validators are compiled when an operation is first answered: a suite pays for what it uses.
      quick: true,
      ajvOpts: { strict: false },
      customizeAjv: (ajv) => {
        addFormats(ajv);
        return ajv;
      },
    });
    backend = api.init().then(() => api);
    backends.set(documentJson, backend);
  }
  return backend;
}

const mediaType = (header: unknown): string | undefined =>
  typeof header === 'string' ? header.split(';')[0].trim().toLowerCase() : undefined;

export class Contract {
  private constructor(
    private readonly api: OpenAPIBackend,
    private readonly document: Document,
  ) {}

  static async load(documentJson: string): Promise<Contract> {
    return new Contract(await backendFor(documentJson), JSON.parse(documentJson) as Document);
  }

  /** Throws ContractViolation when the answer is not one the document describes for the request. */
  check(
    request: { method: string; url: string; headers: Record<string, unknown> },
    response: LightMyRequestResponse,
  ): void {
    const url = new URL(request.url, 'http://accord.test');
    if (url.pathname.startsWith('/docs')) return;
    // A CORS preflight is answered by @fastify/cors before any route: it is not an API operation.
    const preflight = Object.keys(request.headers).some(
      (name) => name.toLowerCase() === 'access-control-request-method',
    );
    if (request.method.toUpperCase() === 'OPTIONS' && preflight) return;
    const operation = this.api.matchOperation({
      method: request.method.toLowerCase(),
      path: url.pathname,
      query: url.search.slice(1),
      headers: {},
    });
    const where = `${request.method.toUpperCase()} ${url.pathname}${url.search} → ${response.statusCode}`;
    if (!operation) return this.checkUnmatched(where, response);
    const status = response.statusCode;
    const responses = (operation.responses ?? {}) as Record<string, { content?: Record<string, unknown> }>;
    const documented = responses[String(status)];
    if (!documented) {
      throw new ContractViolation(
        `${where}: status ${status} is not documented for ${operation.operationId} (documented: ${Object.keys(responses).join(', ')})`,
      );
    }
    const body = response.rawPayload.length > 0 ? response.body : undefined;
    const content = documented.content ?? {};
    if (body === undefined) {
      if (Object.keys(content).length > 0 && status !== 304) {
        throw new ContractViolation(`${where}: an empty body, but ${operation.operationId} documents content`);
      }
    } else {
      const type = mediaType(response.headers['content-type']);
      if (!type || !(type in content)) {
        throw new ContractViolation(
          `${where}: content-type ${String(response.headers['content-type'])} is not documented (documented: ${Object.keys(content).join(', ') || 'none'})`,
        );
      }
      if (type.endsWith('json')) this.checkBody(where, operation, status, JSON.parse(body));
    }
    this.count(operation.operationId ?? '?', status);
  }

  private checkBody(where: string, operation: Operation, status: number, body: unknown): void {
    const result = this.api.validateResponse(body, operation, status);
    if (!result.valid) {
      const errors = (result.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
      throw new ContractViolation(`${where}: the body does not match the documented schema: ${errors}`);
    }
  }

  /** A path the document does not have, or a method it does not take: the answer is still a problem. */
  private checkUnmatched(where: string, response: LightMyRequestResponse): void {
    if (
      ![404, 405].includes(response.statusCode) ||
      mediaType(response.headers['content-type']) !== 'application/problem+json'
    ) {
      throw new ContractViolation(`${where}: no operation matches, and the answer is not a 404 or 405 problem`);
    }
    const problem = (this.document.components?.schemas ?? {}).ProblemDetails;
    if (!problem) throw new ContractViolation('the document has no ProblemDetails schema');
    const body = JSON.parse(response.body) as Record<string, unknown>;
    for (const field of ['type', 'title', 'status', 'code']) {
      if (body[field] === undefined) throw new ContractViolation(`${where}: the problem has no ${field}`);
    }
    if (response.statusCode === 405 && !response.headers.allow) {
      throw new ContractViolation(`${where}: 405 without Allow`);
    }
    tally.unmatched += 1;
    tally.validated += 1;
  }

  private count(operationId: string, status: number): void {
    tally.validated += 1;
    const statuses = (tally.operations[operationId] ??= []);
    if (!statuses.includes(status)) statuses.push(status);
  }
}
