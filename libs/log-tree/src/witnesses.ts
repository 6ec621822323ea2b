import { randomUUID } from 'node:crypto';
import { chainEvents, lastHashOf } from '@accord/audit';
import { WrongExpectedRevisionError, type EventStore } from '@accord/event-store';
import {
  ALGORITHM_COSIGNATURE_V1,
  hexKeyId,
  parseVerifierKey,
  SignedNoteError,
  type NoteVerifier,
} from '@accord/signed-note';

/** The stream of witness registrations: the log itself records who may cosign it. */
export const WITNESSES_STREAM = 'log-witnesses';
export const WITNESS_KEY_REGISTERED = 'WitnessKeyRegistered';

export interface WitnessKeyRegistered {
  readonly party: string;
  /** The cosignature/v1 vkey, `<name>+<hex key ID>+<base64(0x04 ‖ key)>`. */
  readonly verifierKey: string;
  readonly name: string;
  readonly keyId: string;
}

/** A registered witness: a party's cosigning key. */
export interface Witness extends WitnessKeyRegistered {
  readonly verifier: NoteVerifier;
  readonly registeredAt: string;
  readonly position: number;
}

/** Why a witness key cannot be registered: the API answers 400/409 with it. */
export class WitnessKeyError extends Error {
  constructor(
    readonly code: 'VALIDATION_FAILED' | 'CONFLICT',
    message: string,
  ) {
    super(message);
    this.name = 'WitnessKeyError';
  }
}

/** Every registered witness, in registration order. */
export async function readWitnesses(store: EventStore): Promise<Witness[]> {
  const events = await store.readStream(WITNESSES_STREAM);
  return events
    .filter((e) => e.type === WITNESS_KEY_REGISTERED)
    .map((e) => {
      const data = e.data as WitnessKeyRegistered;
      const occurred = e.metadata.occurredAt;
      return {
        party: data.party,
        verifierKey: data.verifierKey,
        name: data.name,
        keyId: data.keyId,
        verifier: parseVerifierKey(data.verifierKey),
        registeredAt: typeof occurred === 'string' ? occurred : e.recordedAt,
        position: e.position,
      };
    });
}

/** Reads a witness's vkey, refusing what cannot cosign (a note key, a malformed one). */
export function witnessVerifier(verifierKey: string): NoteVerifier {
  let verifier: NoteVerifier;
  try {
    verifier = parseVerifierKey(verifierKey);
  } catch (error) {
    if (error instanceof SignedNoteError) throw new WitnessKeyError('VALIDATION_FAILED', error.message);
    throw error;
  }
  if (verifier.algorithm !== ALGORITHM_COSIGNATURE_V1)
    throw new WitnessKeyError(
      'VALIDATION_FAILED',
      `${verifier.name}'s key is not a cosignature/v1 (0x04) key: make one with accord witness keygen`,
    );
  return verifier;
}

/**
 * Records a party's witness key as an event of the log, chained like every other. The same
 * key for the same party again is a repeat (nothing appended); a key name already used, or a
 * key registered for another party, is a conflict.
 */
export async function registerWitness(
  store: EventStore,
  input: { party: string; verifierKey: string },
  meta: { actor: unknown; now: string; commandId?: string },
): Promise<{ witness: Witness; appended: boolean }> {
  const verifier = witnessVerifier(input.verifierKey);
  for (let attempt = 0; ; attempt++) {
    const events = await store.readStream(WITNESSES_STREAM);
    const known = await readWitnesses(store);
    const same = known.find((w) => w.name === verifier.name);
    if (same) {
      if (same.verifierKey === verifier.verifierKey && same.party === input.party)
        return { witness: same, appended: false };
      throw new WitnessKeyError(
        'CONFLICT',
        same.verifierKey === verifier.verifierKey
          ? `this key is registered for ${same.party}`
          : `a witness named ${verifier.name} is registered already, with another key`,
      );
    }
    const data: WitnessKeyRegistered = {
      party: input.party,
      verifierKey: verifier.verifierKey,
      name: verifier.name,
      keyId: hexKeyId(verifier.keyId),
    };
    const chained = chainEvents(WITNESSES_STREAM, events.length, lastHashOf(events), [
      {
        id: randomUUID(),
        type: WITNESS_KEY_REGISTERED,
        data,
        metadata: { commandId: meta.commandId ?? randomUUID(), actor: meta.actor, occurredAt: meta.now },
      },
    ]);
    try {
      const result = await store.append(WITNESSES_STREAM, chained, {
        expectedRevision: events.length === 0 ? 'no_stream' : events.length - 1,
      });
      const recorded = result.events[0];
      return {
        witness: { ...data, verifier, registeredAt: meta.now, position: recorded.position },
        appended: true,
      };
    } catch (error) {
      if (attempt < 5 && error instanceof WrongExpectedRevisionError) continue;
      throw error;
    }
  }
}
