/**
 * The published RFC 9162 proof probes in ./vectors/rfc9162 (transparency-dev/merkle's testdata,
 * see its README), read from disk and decoded. Hashes are base64; a `proof` of null (Go's nil
 * slice) is an empty proof, as it is to the Go verifier the probes were written for. Sizes are
 * JSON numbers: the two probes with index 2^64 − 1 come out as a number past 2^53, which the
 * verifiers refuse as they must (both are wantErr: true).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const RFC9162_VECTORS = join(__dirname, 'vectors', 'rfc9162');

export interface InclusionProbe {
  readonly file: string;
  readonly desc: string;
  readonly wantErr: boolean;
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly leafHash: Uint8Array;
  readonly proof: Uint8Array[];
  readonly root: Uint8Array;
}

export interface ConsistencyProbe {
  readonly file: string;
  readonly desc: string;
  readonly wantErr: boolean;
  readonly fromSize: number;
  readonly toSize: number;
  readonly fromRoot: Uint8Array;
  readonly toRoot: Uint8Array;
  readonly proof: Uint8Array[];
}

function jsonFiles(folder: string): string[] {
  return readdirSync(folder)
    .sort()
    .flatMap((name) => {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) return jsonFiles(path);
      return name.endsWith('.json') ? [path] : [];
    });
}

const bytes = (base64: string): Uint8Array => Uint8Array.from(Buffer.from(base64, 'base64'));
const hashes = (list: string[] | null): Uint8Array[] => (list ?? []).map(bytes);

function read(path: string): { file: string; json: Record<string, unknown> } {
  return { file: relative(RFC9162_VECTORS, path), json: JSON.parse(readFileSync(path, 'utf8')) };
}

export function inclusionProbes(): InclusionProbe[] {
  return jsonFiles(join(RFC9162_VECTORS, 'inclusion')).map((path) => {
    const { file, json } = read(path);
    return {
      file,
      desc: json.desc as string,
      wantErr: json.wantErr as boolean,
      leafIndex: json.leafIdx as number,
      treeSize: json.treeSize as number,
      leafHash: bytes(json.leafHash as string),
      proof: hashes(json.proof as string[] | null),
      root: bytes(json.root as string),
    };
  });
}

export function consistencyProbes(): ConsistencyProbe[] {
  return jsonFiles(join(RFC9162_VECTORS, 'consistency')).map((path) => {
    const { file, json } = read(path);
    return {
      file,
      desc: json.desc as string,
      wantErr: json.wantErr as boolean,
      fromSize: json.size1 as number,
      toSize: json.size2 as number,
      fromRoot: bytes(json.root1 as string),
      toRoot: bytes(json.root2 as string),
      proof: hashes(json.proof as string[] | null),
    };
  });
}

/** The leaf inputs behind the happy paths (the README lists them), and the root of all eight. */
export const RFC9162_LEAF_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((hex) => Uint8Array.from(Buffer.from(hex, 'hex')));
export const RFC9162_ROOT_OF_EIGHT = '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328';
export const EMPTY_TREE_ROOT = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
