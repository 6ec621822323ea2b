import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { FontCoverage, FontFace, FontKey } from './text-layout';

/**
 * The bundled faces, read from node_modules (resolved from the package, so it works from
 * dist/ too) and never fetched: Amiri for Arabic script (pdftotext maps its glyphs back to
 * the right letters), Noto Sans latin and latin-ext for the rest.
 */

interface FontkitFont {
  hasGlyphForCodePoint(codePoint: number): boolean;
  layout(text: string): { glyphs: { id: number }[] };
}
interface Fontkit {
  create(buffer: Buffer): FontkitFont;
}

// fontkit is pdfkit's own shaper (its dependency, no types shipped); we ask it only what a face covers.
const fontkit = require('fontkit') as Fontkit;

const files: Record<FontKey, [pkg: string, file: string]> = {
  'arabic-regular': ['@fontsource/amiri', 'amiri-arabic-400-normal.woff'],
  'arabic-bold': ['@fontsource/amiri', 'amiri-arabic-700-normal.woff'],
  'latin-regular': ['@fontsource/noto-sans', 'noto-sans-latin-400-normal.woff'],
  'latin-bold': ['@fontsource/noto-sans', 'noto-sans-latin-700-normal.woff'],
  'latin-ext-regular': ['@fontsource/noto-sans', 'noto-sans-latin-ext-400-normal.woff'],
  'latin-ext-bold': ['@fontsource/noto-sans', 'noto-sans-latin-ext-700-normal.woff'],
};

export const fontKeys = Object.keys(files) as FontKey[];

export function fontPath(key: FontKey): string {
  const [pkg, file] = files[key];
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'files', file);
}

let loaded: Map<FontKey, { buffer: Buffer; font: FontkitFont }> | undefined;

/** Read once per process: every render embeds subsets of the same six files. */
export function bundledFonts(): Map<FontKey, { buffer: Buffer; font: FontkitFont }> {
  if (!loaded) {
    loaded = new Map();
    for (const key of fontKeys) {
      const buffer = woffToSfnt(readFileSync(fontPath(key)));
      loaded.set(key, { buffer, font: fontkit.create(buffer) });
    }
  }
  return loaded;
}

/** Coverage is the same for both weights; the regular face answers. */
export const bundledCoverage: FontCoverage = {
  has(face: FontFace, codePoint: number): boolean {
    return bundledFonts().get(`${face}-regular`)!.font.hasGlyphForCodePoint(codePoint);
  },
};

/** Glyph ids fontkit picks for `text` in a face (used to show Arabic is joined, not isolated). */
export function glyphIds(key: FontKey, text: string): number[] {
  return bundledFonts()
    .get(key)!
    .font.layout(text)
    .glyphs.map((g) => g.id);
}

/**
 * WOFF 1.0 to the plain TrueType/OpenType file it wraps. fontkit reads WOFF, but it inflates a
 * table again on every access (each glyph of a subset re-inflates glyf), which made an Arabic
 * page take seconds; unwrapping once per process is a few milliseconds.
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.toString('latin1', 0, 4) !== 'wOFF') return woff;
  const numTables = woff.readUInt16BE(12);
  const tables = Array.from({ length: numTables }, (_, i) => {
    const at = 44 + 20 * i;
    const offset = woff.readUInt32BE(at + 4);
    const compLength = woff.readUInt32BE(at + 8);
    const origLength = woff.readUInt32BE(at + 12);
    const raw = woff.subarray(offset, offset + compLength);
    return {
      tag: woff.subarray(at, at + 4),
      checksum: woff.readUInt32BE(at + 16),
      data: compLength < origLength ? inflateSync(raw) : raw,
    };
  });
  const entrySelector = Math.floor(Math.log2(numTables));
  const searchRange = 2 ** entrySelector * 16;
  const header = Buffer.alloc(12 + 16 * numTables);
  woff.copy(header, 0, 4, 8);
  header.writeUInt16BE(numTables, 4);
  header.writeUInt16BE(searchRange, 6);
  header.writeUInt16BE(entrySelector, 8);
  header.writeUInt16BE(numTables * 16 - searchRange, 10);
  const parts: Buffer[] = [header];
  let offset = header.length;
  tables.forEach((table, i) => {
    const record = 12 + 16 * i;
    table.tag.copy(header, record);
    header.writeUInt32BE(table.checksum, record + 4);
    header.writeUInt32BE(offset, record + 8);
    header.writeUInt32BE(table.data.length, record + 12);
    const padded = Buffer.alloc((table.data.length + 3) & ~3);
    table.data.copy(padded);
    parts.push(padded);
    offset += padded.length;
  });
  return Buffer.concat(parts);
}
