export * from './kurrentdb-event-store';
export * from './kurrentdb-event-store.errors';
