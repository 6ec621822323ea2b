/**
 * Crash points for the crash tests: `ACCORD_FAILPOINT=<name>` makes the process SIGKILL
 * itself when it reaches that point, the way a power cut would. Never set in production.
 */
export function failpoint(name: string): void {
  if (process.env.ACCORD_FAILPOINT === name) process.kill(process.pid, 'SIGKILL');
}
