import type { EventStore } from './event-store.port';

/** The position of the last event in the log (0 when empty), where the adapter can tell cheaply. */
export async function headPosition(store: EventStore): Promise<number> {
  if (store.headPosition) return store.headPosition();
  let head = 0;
  for (;;) {
    const page = await store.readAll({ after: head, maxCount: 5000 });
    if (page.length === 0) return head;
    head = page[page.length - 1].position;
  }
}
