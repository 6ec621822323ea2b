import { InMemoryEventStore } from '@accord/event-store';
console.log(typeof InMemoryEventStore);
