import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './openapi';

export type Schemas = components['schemas'];
export type Problem = Schemas['ProblemDetails'];

/** A refusal from the API (RFC 9457 problem details): what the console shows the user. */
export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiProblem';
  }
  get status(): number {
    return this.problem.status;
  }
  get code(): string {
    return this.problem.code;
  }
}

let currentKey: string | null = null;
/** The API key every call carries; set by the session (auth/session.tsx), never put in a URL. */
export function setApiKey(key: string | null): void {
  currentKey = key;
}

const auth: Middleware = {
  onRequest({ request }) {
    if (currentKey) request.headers.set('authorization', `Bearer ${currentKey}`);
    return request;
  },
};

/** The client generated from the API's OpenAPI document (openapi-typescript, openapi-fetch). */
export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

function toProblem(error: unknown, response: Response): Problem {
  if (error && typeof error === 'object' && 'code' in error && 'status' in error) return error as Problem;
  return {
    type: 'about:blank',
    title: response.statusText || 'Request failed',
    status: response.status,
    code: response.status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED',
    detail: typeof error === 'string' ? error : `The API answered ${response.status}`,
  } as Problem;
}

/** The data of an answer, or the ApiProblem it carried. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw new ApiProblem(toProblem(error, response));
  return data as NonNullable<T>;
}

/**
 * A new Idempotency-Key for one user action: a retry of that action (the same click after a
 * network failure) reuses it, so the API answers the repeat as it did the first.
 */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

/** The bytes of an answer (a PDF), through the same key, for a download link. */
export async function fetchBlob(path: string, accept: string): Promise<Blob> {
  const response = await fetch(path, {
    headers: { accept, ...(currentKey ? { authorization: `Bearer ${currentKey}` } : {}) },
  });
  if (!response.ok) {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: the text is the detail
    }
    throw new ApiProblem(toProblem(body, response));
  }
  return response.blob();
}

/** Text of a whole answer (an ndjson history, a calendar) through the same key. */
export async function fetchText(path: string, accept = 'application/json'): Promise<string> {
  const response = await fetch(path, {
    headers: { accept, ...(currentKey ? { authorization: `Bearer ${currentKey}` } : {}) },
  });
  const text = await response.text();
  if (!response.ok) {
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: the text is the detail
    }
    throw new ApiProblem(toProblem(body, response));
  }
  return text;
}
