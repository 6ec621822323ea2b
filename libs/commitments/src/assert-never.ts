/** The default branch of an exhaustive switch: the compiler rejects any case left unhandled. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
