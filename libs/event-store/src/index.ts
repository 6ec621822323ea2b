export * from './event-store.port';
export * from './event-store.errors';
export * from './append-rules';
export * from './append-notifier';
export * from './catch-up-subscription';
export * from './in-memory-event-store';
export * from './read-stream-slice';
export * from './canonical-json';
