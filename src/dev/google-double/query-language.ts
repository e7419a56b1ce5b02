// Drive's `q` search language (the subset the double needs): a tokenizer, a recursive-descent parser
// producing an AST, and an evaluator. Anything outside the subset is a syntax error, which Drive
// reports as 400 "Invalid Value" on the q parameter.
//
//   expr    := and ('or' and)*
//   and     := unary ('and' unary)*
//   unary   := 'not' unary | '(' expr ')' | term
//   term    := STRING 'in' (parents|owners|writers|readers)
//            | (name|mimeType|fullText) (=|!=|contains) STRING
//            | (modifiedTime|createdTime) (=|!=|<|<=|>|>=) STRING
//            | (trashed|starred|sharedWithMe) (=|!=) (true|false) | sharedWithMe

import type { StoredFile } from './types.js';

export class QuerySyntaxError extends Error {}

type Token =
  | { type: 'string'; value: string }
  | { type: 'word'; value: string }
  | { type: 'op'; value: string }
  | { type: '(' | ')' };

type InField = 'parents' | 'owners' | 'writers' | 'readers';
type TextField = 'name' | 'mimeType' | 'fullText';
type TimeField = 'modifiedTime' | 'createdTime';
type BoolField = 'trashed' | 'starred' | 'sharedWithMe';

export type QueryNode =
  | { kind: 'and' | 'or'; left: QueryNode; right: QueryNode }
  | { kind: 'not'; operand: QueryNode }
  | { kind: 'in'; value: string; field: InField }
  | { kind: 'text'; field: TextField; op: '=' | '!=' | 'contains'; value: string }
  | { kind: 'time'; field: TimeField; op: string; value: number }
  | { kind: 'bool'; field: BoolField; negate: boolean; value: boolean };

export interface QueryContext {
  viewerEmail: string;
  /** Maps aliases such as 'root' to real ids. */
  resolveId(id: string): string;
}

export function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ type: c });
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= q.length) throw new QuerySyntaxError('unterminated string');
        const d = q[i] ?? '';
        if (d === "'") break;
        if (d === '\\') {
          const next = q[i + 1];
          // Drive only defines escapes for the quote and the backslash itself.
          if (next !== "'" && next !== '\\') throw new QuerySyntaxError('bad escape');
          value += next;
          i += 2;
        } else {
          value += d;
          i++;
        }
      }
      i++;
      tokens.push({ type: 'string', value });
    } else if (/[=!<>]/.test(c)) {
      const two = q.slice(i, i + 2);
      const op = ['!=', '<=', '>='].includes(two) ? two : c;
      if (op === '!') throw new QuerySyntaxError('bad operator');
      tokens.push({ type: 'op', value: op });
      i += op.length;
    } else {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(q.slice(i));
      if (!match) throw new QuerySyntaxError(`unexpected ${c}`);
      tokens.push({ type: 'word', value: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

export function parseQuery(q: string): QueryNode {
  const tokens = tokenize(q);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isWord = (t: Token | undefined, word: string): boolean =>
    t?.type === 'word' && t.value.toLowerCase() === word;
  const fail = (): never => {
    throw new QuerySyntaxError(`unexpected token at ${pos}`);
  };
  const take = (): Token => tokens[pos++] ?? fail();
  const takeString = (): string => {
    const t = take();
    return t.type === 'string' ? t.value : fail();
  };
  const takeOp = (allowed: string[]): string => {
    const t = take();
    if (t.type === 'op' && allowed.includes(t.value)) return t.value;
    if (t.type === 'word' && allowed.includes(t.value.toLowerCase())) return t.value.toLowerCase();
    return fail();
  };

  const expr = (depth: number): QueryNode => {
    if (depth > 50) fail();
    let left = andExpr(depth);
    while (isWord(peek(), 'or')) {
      pos++;
      left = { kind: 'or', left, right: andExpr(depth) };
    }
    return left;
  };
  const andExpr = (depth: number): QueryNode => {
    let left = unary(depth);
    while (isWord(peek(), 'and')) {
      pos++;
      left = { kind: 'and', left, right: unary(depth) };
    }
    return left;
  };
  const unary = (depth: number): QueryNode => {
    const t = peek();
    if (isWord(t, 'not')) {
      pos++;
      return { kind: 'not', operand: unary(depth + 1) };
    }
    if (t?.type === '(') {
      pos++;
      const inner = expr(depth + 1);
      if (take().type !== ')') fail();
      return inner;
    }
    return term();
  };
  const term = (): QueryNode => {
    const t = take();
    if (t.type === 'string') {
      if (!isWord(take(), 'in')) fail();
      const field = take();
      if (field.type !== 'word' || !['parents', 'owners', 'writers', 'readers'].includes(field.value)) fail();
      return { kind: 'in', value: t.value, field: (field as { value: InField }).value };
    }
    if (t.type !== 'word') return fail();
    const field = t.value;
    if (field === 'name' || field === 'mimeType') {
      return { kind: 'text', field, op: takeOp(['=', '!=', 'contains']) as '=', value: takeString() };
    }
    if (field === 'fullText') {
      return { kind: 'text', field, op: takeOp(['contains']) as 'contains', value: takeString() };
    }
    if (field === 'modifiedTime' || field === 'createdTime') {
      const op = takeOp(['=', '!=', '<', '<=', '>', '>=']);
      const value = Date.parse(takeString());
      if (Number.isNaN(value)) fail();
      return { kind: 'time', field, op, value };
    }
    if (field === 'trashed' || field === 'starred' || field === 'sharedWithMe') {
      const next = peek();
      if (field === 'sharedWithMe' && next?.type !== 'op') {
        return { kind: 'bool', field, negate: false, value: true };
      }
      const op = takeOp(['=', '!=']);
      const literal = take();
      if (!isWord(literal, 'true') && !isWord(literal, 'false')) fail();
      return { kind: 'bool', field, negate: op === '!=', value: isWord(literal, 'true') };
    }
    return fail();
  };

  if (tokens.length === 0) fail();
  const ast = expr(0);
  if (pos !== tokens.length) fail();
  return ast;
}

export function matchesQuery(node: QueryNode, file: StoredFile, ctx: QueryContext): boolean {
  switch (node.kind) {
    case 'and':
      return matchesQuery(node.left, file, ctx) && matchesQuery(node.right, file, ctx);
    case 'or':
      return matchesQuery(node.left, file, ctx) || matchesQuery(node.right, file, ctx);
    case 'not':
      return !matchesQuery(node.operand, file, ctx);
    case 'in':
      return matchesIn(node.value, node.field, file, ctx);
    case 'text':
      return matchesText(node, file);
    case 'time': {
      const actual = Date.parse(node.field === 'modifiedTime' ? file.modifiedTime : file.createdTime);
      return compare(actual, node.op, node.value);
    }
    case 'bool': {
      const viewer = ctx.viewerEmail.toLowerCase();
      const actual =
        node.field === 'trashed'
          ? file.trashed
          : node.field === 'starred'
            ? file.starred
            : file.sharedWith.includes(viewer) && !file.ownedBy.includes(viewer);
      return (actual === node.value) !== node.negate;
    }
  }
}

function matchesIn(value: string, field: InField, file: StoredFile, ctx: QueryContext): boolean {
  if (field === 'parents') return file.parents.includes(ctx.resolveId(value));
  const email = (value === 'me' ? ctx.viewerEmail : value).toLowerCase();
  if (field === 'owners' || field === 'writers') return file.ownedBy.includes(email);
  return file.ownedBy.includes(email) || file.sharedWith.includes(email);
}

function matchesText(node: Extract<QueryNode, { kind: 'text' }>, file: StoredFile): boolean {
  if (node.field === 'fullText') {
    const needle = node.value.toLowerCase();
    return file.name.toLowerCase().includes(needle) || (file.text ?? '').toLowerCase().includes(needle);
  }
  const actual = node.field === 'name' ? file.name : file.mimeType;
  if (node.op === '=') return actual === node.value;
  if (node.op === '!=') return actual !== node.value;
  return node.field === 'name' ? nameContains(actual, node.value) : actual.includes(node.value);
}

/**
 * Drive's `name contains` is a prefix match on words, case-insensitive: 'quote' finds
 * "It's a quote.pdf" but 'uote' does not.
 */
export function nameContains(name: string, needle: string): boolean {
  const hay = name.toLowerCase();
  const want = needle.toLowerCase();
  if (want === '' || !/^[\p{L}\p{N}]/u.test(want)) return hay.includes(want);
  for (let i = hay.indexOf(want); i !== -1; i = hay.indexOf(want, i + 1)) {
    if (i === 0 || !/[\p{L}\p{N}]/u.test(hay[i - 1] ?? '')) return true;
  }
  return false;
}

function compare(actual: number, op: string, expected: number): boolean {
  switch (op) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    default:
      return actual >= expected;
  }
}
