import type { AgendaItemKind, AgendaItemStatus, ExistingSession, Position, SessionStatus } from '@accord/committee';
import type { RecordedEvent } from '@accord/event-store';
import { occurredAt } from './commitments.projection';

/** Who recorded an event, from its metadata. */
export interface EventActor {
  id: string;
  role: string;
  party: string | null;
}

/** One position a delegation took on an agenda item, as it was recorded. */
export interface PositionTaken {
  party: string;
  position: Position;
  note: string | null;
  /** The key that recorded it (a delegate of the party); null for an event without an actor. */
  actor: EventActor | null;
  /** The command's instant (metadata.occurredAt, else the store's recordedAt). */
  occurredAt: string;
  /** The session revision of its PositionRecorded event. */
  revision: number;
}

/**
 * What a session's stream says beyond the folded state, which keeps only each party's latest
 * position: per item, every position in the order taken, and the title the item's commitment
 * had when the item was put on the agenda.
 */
export interface SessionJournal {
  readonly items: Readonly<
    Record<string, { readonly commitmentTitle: string | null; readonly positions: readonly PositionTaken[] }>
  >;
}

export const emptySessionJournal: SessionJournal = { items: {} };

/** The commitment an event puts on a session's agenda, when it is an AgendaItemAdded. */
export function commitmentPutOnAgenda(event: RecordedEvent): string | undefined {
  if (event.type !== 'AgendaItemAdded') return undefined;
  const { commitmentId } = event.data as { commitmentId?: unknown };
  return typeof commitmentId === 'string' ? commitmentId : undefined;
}

export function actorOf(event: RecordedEvent): EventActor | null {
  const actor = event.metadata.actor as { id?: string; role?: string; party?: string } | undefined;
  if (!actor) return null;
  return { id: String(actor.id), role: String(actor.role), party: actor.party ?? null };
}

/**
 * The journal after a session event. `commitmentTitle` is the title of the commitment an
 * AgendaItemAdded names, as it stood before that event (null when unknown); other events
 * ignore it. Pure and copy-on-write: the journal it is given is never changed.
 */
export function evolveSessionJournal(
  journal: SessionJournal,
  event: RecordedEvent,
  commitmentTitle: string | null,
): SessionJournal {
  if (event.type === 'AgendaItemAdded') {
    const { itemId } = event.data as { itemId: string };
    return { items: { ...journal.items, [itemId]: { commitmentTitle, positions: [] } } };
  }
  if (event.type === 'PositionRecorded') {
    const { itemId, party, position, note } = event.data as {
      itemId: string;
      party: string;
      position: Position;
      note: string | null;
    };
    const item = journal.items[itemId] ?? { commitmentTitle: null, positions: [] };
    const taken: PositionTaken = {
      party,
      position,
      note: note ?? null,
      actor: actorOf(event),
      occurredAt: occurredAt(event),
      revision: event.revision,
    };
    return { items: { ...journal.items, [itemId]: { ...item, positions: [...item.positions, taken] } } };
  }
  return journal;
}

/** A position as the view shows it: `current` when it is the party's latest on the item, the one that counts. */
export interface PositionTakenView extends PositionTaken {
  current: boolean;
}

export interface AgendaItemView {
  itemId: string;
  commitmentId: string;
  /** The commitment's title when the item was put on the agenda. */
  commitmentTitle: string | null;
  kind: AgendaItemKind;
  proposedDueDate: string | null;
  /** Each party's current position, by party code. */
  positions: Record<string, { position: Position; note: string | null }>;
  /** Every position taken on the item, changes included, in the order they were recorded. */
  positionHistory: PositionTakenView[];
  status: AgendaItemStatus;
  outcome: Position | null;
}

/** A session as `GET /sessions/{id}` serves it. */
export interface SessionView {
  id: string;
  agreementId: string;
  status: SessionStatus;
  scheduledFor: string;
  venue: string;
  parties: string[];
  attendance: string[];
  items: AgendaItemView[];
  revision: number;
  position: number;
}

/** The view of a session: its folded state, completed by its journal, at a revision and position. */
export function toSessionView(
  state: ExistingSession,
  journal: SessionJournal,
  revision: number,
  position: number,
): SessionView {
  return {
    id: state.sessionId,
    agreementId: state.agreementId,
    status: state.status,
    scheduledFor: state.scheduledFor,
    venue: state.venue,
    parties: [...state.parties],
    attendance: [...state.attendance],
    items: state.items.map((item) => {
      const entry = journal.items[item.itemId];
      const taken = entry?.positions ?? [];
      const latest = new Map(taken.map((p, index) => [p.party, index]));
      return {
        itemId: item.itemId,
        commitmentId: item.commitmentId,
        commitmentTitle: entry?.commitmentTitle ?? null,
        kind: item.kind,
        proposedDueDate: item.proposedDueDate,
        positions: Object.fromEntries(
          Object.entries(item.positions).map(([party, p]) => [party, { position: p.position, note: p.note }]),
        ),
        positionHistory: taken.map((p, index) => ({ ...p, current: latest.get(p.party) === index })),
        status: item.status,
        outcome: item.outcome,
      };
    }),
    revision,
    position,
  };
}

/** Milliseconds since the epoch of a session's scheduled instant: what date filters compare. */
export const scheduledMs = (state: ExistingSession): number => Date.parse(state.scheduledFor);
