import { isAbsolute, resolve } from 'node:path';

/** What `ACCORD_STORE` names: one URL picks the store (docs/design.md, "Configuration"). */
export type StoreLocation =
  | { readonly kind: 'memory' }
  | { readonly kind: 'sqlite'; readonly filename: string }
  | { readonly kind: 'postgres'; readonly url: string }
  | { readonly kind: 'kurrentdb'; readonly url: string };

export const DEFAULT_STORE_URL = 'sqlite:./data/accord.db';

export class StoreUrlError extends Error {
  readonly code = 'BAD_STORE_URL';
  constructor(message: string) {
    super(message);
    this.name = 'StoreUrlError';
  }
}

/**
 * Parses a store URL: `memory:`, `sqlite:<path>` (relative to `cwd`; `sqlite::memory:` for
 * a throw-away database), `postgres://…`/`postgresql://…`, `kurrentdb://…`/`esdb://…`.
 */
export function parseStoreUrl(url: string = DEFAULT_STORE_URL, cwd: string = process.cwd()): StoreLocation {
  const value = url.trim();
  if (value === 'memory:' || value === 'memory') return { kind: 'memory' };
  if (value.startsWith('sqlite:')) {
    let path = value.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2); // sqlite:///abs/path and sqlite://./rel both work
    if (path === '') throw new StoreUrlError(`"${url}" names no SQLite file; try ${DEFAULT_STORE_URL}`);
    if (path === ':memory:') return { kind: 'sqlite', filename: ':memory:' };
    return { kind: 'sqlite', filename: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  if (/^postgres(ql)?:\/\//.test(value)) return { kind: 'postgres', url: value };
  if (/^(kurrentdb|kurrent|kdb|esdb)(\+discover)?:\/\//.test(value)) return { kind: 'kurrentdb', url: value };
  throw new StoreUrlError(
    `Unknown store URL "${url}": use memory:, sqlite:<file>, postgres://… or kurrentdb://… (see README, Configuration)`,
  );
}

/** A URL for logs: the password, if any, replaced. */
export function redactStoreUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}

/**
 * A PostgreSQL URL may name the schema accord keeps everything in: `?schema=<name>`
 * (default `public`). The parameter is taken off the URL the driver sees.
 */
export function postgresTarget(url: string): { url: string; schema: string | undefined } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new StoreUrlError(`schema "${schema}" must be lower-case letters, digits and _ (at most 63)`);
  }
  parsed.searchParams.delete('schema');
  return { url: parsed.toString(), schema: schema ?? undefined };
}
