import { hash as sha256 } from 'node:crypto';
import { canonicalEvent, storedCanonicalEvent, type HashedFields } from '@accord/audit';
import type { StoredEvent } from '@accord/event-store';
import { leafHash } from '@accord/merkle';

const withStoredText = (event: HashedFields): event is HashedFields & StoredEvent =>
  typeof (event as Partial<StoredEvent>).dataJson === 'string' &&
  typeof (event as Partial<StoredEvent>).metadataJson === 'string';

/**
 * The leaf input of an event as text: the canonical text its chain hash covers (decision
 * 0027), so the tree and the chain cover the same bytes: hash = SHA-256(text), leaf =
 * SHA-256(0x00 ‖ text). An event read with the text its store keeps (readAllStored) gives
 * that text put together as it is stored, taken only when its SHA-256 is the event's stored
 * hash, which proves it is the canonical text (decision 0010); any other event, or stored
 * text in another form, is serialized again. Either way the same text.
 */
export function eventLeafText(event: HashedFields): string {
  if (withStoredText(event)) {
    const text = storedCanonicalEvent(event);
    if (text !== undefined && sha256('sha256', text, 'hex') === event.metadata.hash) return text;
  }
  return canonicalEvent(event);
}

/** The leaf input of an event, as bytes (eventLeafText in UTF-8). */
export function eventLeafInput(event: HashedFields): Buffer {
  return Buffer.from(eventLeafText(event), 'utf8');
}

/** RFC 9162's leaf hash of an event. */
export function eventLeafHash(event: HashedFields): Uint8Array {
  return leafHash(eventLeafText(event));
}

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
