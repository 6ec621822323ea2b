export * from './store-url';
export * from './open-event-store';
