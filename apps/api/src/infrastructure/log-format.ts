/**
 * How the API writes its log: readable lines for a person at a terminal (pino-pretty, in
 * pino's transport thread), JSON lines for everything else (a file, a pipe, a log shipper).
 */
export function logTransport(stdout: { readonly isTTY?: boolean }): { target: string; options: object } | undefined {
  if (!stdout.isTTY) return undefined;
  return { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } };
}
