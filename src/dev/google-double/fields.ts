// The `fields` partial-response mask: "nextPageToken, files(id,name), user/emailAddress, *".
// Parsed into a tree and applied to a response object. Unknown names simply select nothing, which is
// lenient (Drive rejects some), but keeps real clients that ask for extra fields working.

import { DriveError } from './errors.js';

export type FieldTree = Map<string, FieldTree | true>;

function invalid(fields: string): DriveError {
  return new DriveError(400, {
    reason: 'invalidParameter',
    message: `Invalid field selection ${fields}`,
    location: 'fields',
    locationType: 'parameter',
  });
}

export function parseFields(fields: string): FieldTree {
  const text = fields;
  let pos = 0;

  const skipSpace = (): void => {
    while (pos < text.length && /\s/.test(text[pos] ?? '')) pos++;
  };
  const name = (): string => {
    skipSpace();
    const match = /^[A-Za-z0-9_*]+/.exec(text.slice(pos));
    if (!match) throw invalid(fields);
    pos += match[0].length;
    return match[0];
  };
  const list = (depth: number): FieldTree => {
    if (depth > 20) throw invalid(fields);
    const tree: FieldTree = new Map();
    for (;;) {
      const path = [name()];
      skipSpace();
      while (text[pos] === '/') {
        pos++;
        path.push(name());
        skipSpace();
      }
      let leaf: FieldTree | true = true;
      if (text[pos] === '(') {
        pos++;
        leaf = list(depth + 1);
        skipSpace();
        if (text[pos] !== ')') throw invalid(fields);
        pos++;
        skipSpace();
      }
      insert(tree, path, leaf);
      if (text[pos] !== ',') break;
      pos++;
    }
    return tree;
  };

  const tree = list(0);
  skipSpace();
  if (pos !== text.length) throw invalid(fields);
  return tree;
}

function insert(tree: FieldTree, path: string[], leaf: FieldTree | true): void {
  // "a/b/c(d)" is the same selection as "a(b(c(d)))".
  let value: FieldTree | true = leaf;
  for (let i = path.length - 1; i >= 1; i--) value = new Map([[path[i] ?? '', value]]);
  merge(tree, path[0] ?? '', value);
}

function merge(tree: FieldTree, key: string, value: FieldTree | true): void {
  const existing = tree.get(key);
  if (existing === undefined) tree.set(key, value);
  else if (existing === true) return;
  else if (value === true) tree.set(key, true);
  else for (const [k, v] of value) merge(existing, k, v);
}

/** Keeps only the selected parts of `value`. */
export function project(value: unknown, tree: FieldTree | true): unknown {
  if (tree === true || tree.has('*')) return value;
  if (Array.isArray(value)) return value.map((item) => project(item, tree));
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of tree) {
    if (source[key] !== undefined) out[key] = project(source[key], sub);
  }
  return out;
}

/** The sub-tree for a list's items, e.g. the `(id,name)` of `files(id,name)`. */
export function subTree(tree: FieldTree, key: string): FieldTree | true | undefined {
  if (tree.has('*')) return true;
  return tree.get(key);
}
