/** The three pure functions a command handler needs: fold the stream with `evolve`, then `decide`. */
export interface Decider<Command, State, Event> {
  readonly decide: (command: Command, state: State) => Event[];
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: State;
}

/** Folds a stream's events into the state a decision is taken on. */
export function fold<Command, State, Event>(decider: Decider<Command, State, Event>, events: Iterable<Event>): State {
  let state = decider.initialState;
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
