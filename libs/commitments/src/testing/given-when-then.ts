import { fold, type Decider } from '../decider.types';

type ErrorClass<T extends Error> = new (...args: never[]) => T;

/**
 * `given(...history).when(command).then(events)` or `.thenThrows(ErrorClass, fields)`.
 * `then` also folds the emitted events, so every decision is one `evolve` accepts.
 */
export function givenWhenThen<Command, State, Event>(decider: Decider<Command, State, Event>) {
  return (...history: Event[]) => ({
    when: (command: Command) => {
      const run = (): Event[] => decider.decide(command, fold(decider, history));
      return {
        then(expected: Event[]): State {
          const events = run();
          expect(events).toEqual(expected);
          return fold(decider, [...history, ...events]);
        },
        thenThrows<T extends Error>(errorClass: ErrorClass<T>, fields?: Partial<T>): T {
          const error = caught(run);
          expect(error).toBeInstanceOf(errorClass);
          if (fields) expect(error).toMatchObject(fields);
          return error as T;
        },
        /** The events, for assertions the two above do not cover. */
        events: run,
      };
    },
  });
}

export function caught(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('Expected the decision to throw, but it returned');
}
