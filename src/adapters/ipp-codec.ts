// Our typed layer over the `ipp` package. The package encodes and decodes attribute groups, but its
// shapes are loose: one value comes back as a scalar and several as an array (so a rangeOfInteger and
// two integers look the same), it reads past the end of a truncated message without noticing, it logs
// to the console for out-of-band values, and its serializer does not put attributes-charset first.
// So a small structural scan (RFC 8010 section 3) runs first: it checks bounds, finds where the
// attribute section ends and records each attribute's value tags, which make the normalisation exact.

import ipp from 'ipp';
import { UpstreamError } from '../domain/errors.js';

export type IppOperation =
  | 'Print-Job'
  | 'Create-Job'
  | 'Send-Document'
  | 'Validate-Job'
  | 'Cancel-Job'
  | 'Get-Job-Attributes'
  | 'Get-Jobs'
  | 'Get-Printer-Attributes'
  | 'Get-Notifications';

export interface IppRange {
  readonly lower: number;
  readonly upper: number;
}

export interface IppResolution {
  readonly cross: number;
  readonly feed: number;
  readonly units: 'dpi' | 'dpcm';
}

/** A collection as the package decodes it; members are left as they come (we never read them). */
export interface IppCollection {
  readonly [member: string]: unknown;
}

/** One decoded value. Out-of-band values (no-value, unknown, unsupported) are null. */
export type IppValue = string | number | boolean | null | Date | IppRange | IppResolution | IppCollection;

/** Attribute name to all its values, in order; a single value is a one-element array. */
export type IppAttributes = ReadonlyMap<string, readonly IppValue[]>;

export type IppGroupTag =
  | 'operation-attributes-tag'
  | 'job-attributes-tag'
  | 'printer-attributes-tag'
  | 'unsupported-attributes-tag'
  | 'subscription-attributes-tag'
  | 'event-notification-attributes-tag';

export interface IppGroup {
  readonly tag: string;
  readonly attributes: IppAttributes;
}

/** A value we can encode: keyword/name/text/uri/mime strings, integers (or enums by keyword), booleans, ranges, resolutions. */
export type IppScalarInput = string | number | boolean | IppRange | IppResolution;
/** A collection to encode; the package writes one value per member. */
export interface IppCollectionInput {
  readonly [member: string]: IppScalarInput | IppCollectionInput;
}
export type IppValueInput = IppScalarInput | IppCollectionInput;
export type IppAttributesInput = Readonly<Record<string, IppValueInput | readonly IppValueInput[]>>;

export interface IppRequestInput {
  operation: IppOperation;
  requestId: number;
  /** attributes-charset (utf-8) and attributes-natural-language (en) are added first when missing. */
  operationAttributes: IppAttributesInput;
  jobAttributes?: IppAttributesInput;
  /**
   * A subscription to ask for with the job (RFC 3995 section 5.3: a subscription-attributes group in a
   * job creation request), e.g. notify-pull-method ippget; written after the job's attributes.
   */
  subscriptionAttributes?: IppAttributesInput;
  version?: string;
}

export interface IppResponseInput {
  statusCode: string;
  requestId: number;
  /** Groups in the order they are written; a group tag may repeat (Get-Jobs: one job group per job). */
  groups: ReadonlyArray<{ tag: IppGroupTag; attributes: IppAttributesInput }>;
  version?: string;
}

export interface IppMessage {
  version: string;
  /** Bytes 2-3: the operation-id of a request or the status-code of a response. */
  code: number;
  requestId: number;
  groups: IppGroup[];
}

export interface IppResponse {
  version: string;
  /** The status-code keyword, e.g. successful-ok or server-error-busy; 0xNNNN when not registered. */
  statusCode: string;
  status: number;
  requestId: number;
  operationAttributes: IppAttributes;
  printerAttributes: IppAttributes;
  jobAttributes: IppAttributes;
  unsupportedAttributes: IppAttributes;
  /** Every job group in order (Get-Jobs answers with one per job). */
  jobGroups: IppAttributes[];
  /** Subscription groups: the answer to each subscription a job creation asked for (RFC 3995). */
  subscriptionGroups: IppAttributes[];
  /** Event notification groups, oldest first (Get-Notifications, RFC 3996). */
  eventGroups: IppAttributes[];
}

export interface IppRequest {
  version: string;
  operationId: number;
  /** The operation's name, e.g. Print-Job; null when not registered. */
  operation: string | null;
  requestId: number;
  operationAttributes: IppAttributes;
  jobAttributes: IppAttributes;
  groups: IppGroup[];
}

/** The bytes are not a well-formed IPP message. */
export class IppSyntaxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IppSyntaxError';
  }
}

const EMPTY: IppAttributes = new Map();
const RS = '\u001e'; // the package joins language and text of textWithLanguage with this separator

const GROUP_TAGS: Readonly<Record<number, string>> = {
  1: 'operation-attributes-tag',
  2: 'job-attributes-tag',
  4: 'printer-attributes-tag',
  5: 'unsupported-attributes-tag',
  6: 'subscription-attributes-tag',
  7: 'event-notification-attributes-tag',
  8: 'resource-attributes-tag',
  9: 'document-attributes-tag',
};
const GROUP_CODES: Readonly<Record<IppGroupTag, number>> = {
  'operation-attributes-tag': 0x01,
  'job-attributes-tag': 0x02,
  'printer-attributes-tag': 0x04,
  'unsupported-attributes-tag': 0x05,
  'subscription-attributes-tag': 0x06,
  'event-notification-attributes-tag': 0x07,
};

const TAG = {
  end: 0x03,
  integer: 0x21,
  boolean: 0x22,
  enum: 0x23,
  dateTime: 0x31,
  resolution: 0x32,
  rangeOfInteger: 0x33,
  begCollection: 0x34,
  textWithLanguage: 0x35,
  nameWithLanguage: 0x36,
  endCollection: 0x37,
  extension: 0x7f,
  memberAttrName: 0x4a,
} as const;

/** Fixed value lengths (RFC 8010 section 3.9); the package would read past a shorter value. */
const FIXED_LENGTH: Readonly<Record<number, number>> = {
  [TAG.integer]: 4,
  [TAG.boolean]: 1,
  [TAG.enum]: 4,
  [TAG.dateTime]: 11,
  [TAG.resolution]: 9,
  [TAG.rangeOfInteger]: 8,
};

// The package reads lengths as signed 16-bit numbers, so anything above this would be misread.
const MAX_FIELD_LENGTH = 0x7fff;

// The package's finishings table stops at the 2001 values (and trim-after-*), so a printer's
// punch-top-left came back as the number 70 and a ticket asking for it was written as garbage. These are
// the values of PWG 5100.1 (the IANA "finishings" enum registry); registering them lets
// every finishings attribute be read and written by keyword.
// Each run of consecutive values starts at the number given.
const FINISHINGS: ReadonlyArray<readonly [first: number, keywords: string]> = [
  [3, 'none staple punch cover bind saddle-stitch edge-stitch fold trim bale booklet-maker jog-offset'],
  [15, 'coat laminate'],
  [20, 'staple-top-left staple-bottom-left staple-top-right staple-bottom-right'],
  [24, 'edge-stitch-left edge-stitch-top edge-stitch-right edge-stitch-bottom'],
  [28, 'staple-dual-left staple-dual-top staple-dual-right staple-dual-bottom'],
  [32, 'staple-triple-left staple-triple-top staple-triple-right staple-triple-bottom'],
  [50, 'bind-left bind-top bind-right bind-bottom'],
  [60, 'trim-after-pages trim-after-documents trim-after-copies trim-after-job'],
  [70, 'punch-top-left punch-bottom-left punch-top-right punch-bottom-right'],
  [74, 'punch-dual-left punch-dual-top punch-dual-right punch-dual-bottom'],
  [78, 'punch-triple-left punch-triple-top punch-triple-right punch-triple-bottom'],
  [82, 'punch-quad-left punch-quad-top punch-quad-right punch-quad-bottom'],
  [86, 'punch-multiple-left punch-multiple-top punch-multiple-right punch-multiple-bottom'],
  [90, 'fold-accordion fold-double-gate fold-gate fold-half fold-half-z fold-left-gate fold-letter'],
  [97, 'fold-parallel fold-poster fold-right-gate fold-z fold-engineering-z'],
];

/** The package's enum tables (keyword to number, and `lookup` number to keyword), shared by attribute name. */
type EnumTable = Record<string, number> & { lookup: Array<string | undefined> };
const ENUMS = (ipp as unknown as { enums: Record<string, EnumTable | undefined> }).enums;
// finishings-supported, -default and -ready share this one table object.
const finishings = ENUMS.finishings!;
for (const [first, keywords] of FINISHINGS) {
  keywords.split(' ').forEach((keyword, i) => {
    finishings[keyword] = first + i;
    finishings.lookup[first + i] = keyword;
  });
}

// The package writes an attribute by the syntax its tables give the name, and some entries are missing or
// short, so the virtual printer could not answer with them: media-col-database and media-col-ready hold
// media-col values (PWG 5100.7) but are listed with one odd member; media-size-name
// (keyword | name) has no keyword list, which its keyword-or-name choice crashes on; urf-supported (1setOf
// keyword, Apple's raster) is absent. Each gets the syntax of an attribute the package does have right.
type Syntax = Record<string, unknown>;
const PACKAGE = ipp as unknown as {
  attributes: Record<string, Record<string, Syntax>>;
  keywords: Record<string, unknown>;
};
const printerDescription = PACKAGE.attributes['Printer Description']!;
for (const name of ['media-col-database', 'media-col-ready']) {
  printerDescription[name] = { ...PACKAGE.attributes['Job Template']!['media-col'], setof: true };
}
printerDescription['urf-supported'] = printerDescription['pwg-raster-document-type-supported']!;
PACKAGE.keywords['media-size-name'] = PACKAGE.keywords['media-key'];

// Event notifications (RFC 3995) with the ippget pull method (RFC 3996). The package writes only
// operation, job, printer and document groups, so a subscription or event group is written as a job group
// whose delimiter tag is then replaced (RFC 8010 section 3.1: groups differ only in that tag); the job
// tables learn the subscription and event attributes for it (none of their names is a job attribute's).
// Its Operation table lacks Get-Notifications' attributes, which get the syntaxes RFC 3996 gives them.
const jobDescription = PACKAGE.attributes['Job Description']!;
for (const table of ['Subscription Template', 'Subscription Description', 'Event Notifications']) {
  for (const [name, syntax] of Object.entries(PACKAGE.attributes[table]!)) jobDescription[name] ??= syntax;
}
jobDescription['printer-up-time'] ??= printerDescription['printer-up-time']!;
// What a printer says it offers (notify-pull-method-supported, notify-events-default, ...) is a printer
// attribute, for the virtual printer to answer with.
for (const [name, syntax] of Object.entries(PACKAGE.attributes['Subscription Template']!)) {
  if (/-(supported|default)$/.test(name)) printerDescription[name] ??= syntax;
}
const operationTable = PACKAGE.attributes.Operation!;
const positiveInteger = jobDescription['job-id']!; // integer(1:MAX)
operationTable['notify-subscription-ids'] = { ...positiveInteger, setof: true };
operationTable['notify-sequence-numbers'] = { ...positiveInteger, setof: true };
operationTable['notify-wait'] = operationTable['last-document']!; // boolean
operationTable['notify-get-interval'] = jobDescription['job-impressions-completed']!; // integer(0:MAX)
// Get-Notifications answers with the printer's up-time among its operation attributes (RFC 3996 5.2).
operationTable['printer-up-time'] = printerDescription['printer-up-time']!;

/** The number of an enum keyword (e.g. finishings staple is 4); undefined when the attribute or keyword is unknown. */
export function enumValue(attribute: string, keyword: string): number | undefined {
  const table = ENUMS[attribute];
  return table && Object.hasOwn(table, keyword) && keyword !== 'lookup' ? table[keyword] : undefined;
}

// The default handler console.logs every out-of-band value (no-value, unknown); a printer's answer is
// not worth a log line. Out-of-band tags 0x10-0x1f become null; other unknown tags keep their bytes.
ipp.parse.handleUnknownTag = (tag, _name, length, read) => {
  const raw = length > 0 ? read(length) : '';
  return tag >= 0x10 && tag <= 0x1f ? null : raw;
};

// ---- Structural scan ------------------------------------------------------------------------

interface ScannedAttribute {
  name: string;
  /** The value tag of each value, in order. */
  valueTags: number[];
}

interface ScannedGroup {
  tag: number;
  attributes: ScannedAttribute[];
}

type Scan = { complete: true; length: number; groups: ScannedGroup[] } | { complete: false };

type CollectionState = 'begin' | 'member-name' | 'value';

function scan(buf: Buffer): Scan {
  if (buf.length < 8) return { complete: false };
  const major = buf[0]!;
  if (major < 1 || major > 2) throw new IppSyntaxError(`IPP version ${major}.${buf[1]} is not supported.`);
  const groups: ScannedGroup[] = [];
  let group: ScannedGroup | null = null;
  let attribute: ScannedAttribute | null = null;
  // One entry per open collection: what the last item inside it was, to check the member order.
  const collections: CollectionState[] = [];
  let pos = 8;
  for (;;) {
    if (pos >= buf.length) return { complete: false };
    const tag = buf[pos]!;
    if (tag < 0x10) {
      if (collections.length > 0) throw new IppSyntaxError('A delimiter tag appears inside a collection.');
      pos += 1;
      if (tag === TAG.end) return { complete: true, length: pos, groups };
      if (!GROUP_TAGS[tag]) throw new IppSyntaxError(`Unknown group tag 0x${tag.toString(16)}.`);
      group = { tag, attributes: [] };
      groups.push(group);
      attribute = null;
      continue;
    }
    if (!group) throw new IppSyntaxError('An attribute appears before any group tag.');
    if (tag === TAG.extension) throw new IppSyntaxError('Extension value tags are not supported.');
    let p = pos + 1;
    if (p + 2 > buf.length) return { complete: false };
    const nameLength = buf.readUInt16BE(p);
    p += 2;
    if (p + nameLength > buf.length) return { complete: false };
    const name = buf.toString('utf8', p, p + nameLength);
    p += nameLength;
    if (p + 2 > buf.length) return { complete: false };
    const valueLength = buf.readUInt16BE(p);
    p += 2;
    if (p + valueLength > buf.length) return { complete: false };
    p += valueLength;
    if (nameLength > MAX_FIELD_LENGTH || valueLength > MAX_FIELD_LENGTH) {
      throw new IppSyntaxError('An attribute is longer than this reader supports.');
    }
    const fixed = FIXED_LENGTH[tag];
    if (fixed !== undefined && valueLength !== fixed) {
      throw new IppSyntaxError(`Attribute value of tag 0x${tag.toString(16)} has length ${valueLength}.`);
    }
    if (
      (tag === TAG.textWithLanguage || tag === TAG.nameWithLanguage) &&
      !withLanguageFits(buf, p - valueLength, p)
    ) {
      throw new IppSyntaxError('A text value with language has inconsistent lengths.');
    }

    const open = collections.length;
    if (open > 0) {
      if (nameLength !== 0) throw new IppSyntaxError('A collection member has a name field.');
      const state = collections[open - 1]!;
      if (tag === TAG.memberAttrName || tag === TAG.endCollection) {
        if (state === 'member-name') throw new IppSyntaxError('A collection member has no value.');
        if (tag === TAG.memberAttrName) collections[open - 1] = 'member-name';
        else {
          collections.pop();
          if (collections.length > 0) collections[collections.length - 1] = 'value';
        }
      } else {
        if (state === 'begin') throw new IppSyntaxError('A collection value has no member name.');
        collections[open - 1] = 'value';
        if (tag === TAG.begCollection) collections.push('begin');
      }
    } else {
      if (tag === TAG.memberAttrName || tag === TAG.endCollection) {
        throw new IppSyntaxError('A collection tag appears outside a collection.');
      }
      if (nameLength > 0) {
        if (name === '__proto__') throw new IppSyntaxError('Invalid attribute name.');
        attribute = { name, valueTags: [tag] };
        group.attributes.push(attribute);
      } else {
        if (!attribute) throw new IppSyntaxError('An additional value has no attribute.');
        attribute.valueTags.push(tag);
      }
      if (tag === TAG.begCollection) collections.push('begin');
    }
    pos = p;
  }
}

/** RFC 8010 section 3.9: language length, language, text length, text; exactly filling the value. */
function withLanguageFits(buf: Buffer, start: number, end: number): boolean {
  if (start + 2 > end) return false;
  const languageEnd = start + 2 + buf.readUInt16BE(start);
  if (languageEnd + 2 > end) return false;
  return languageEnd + 2 + buf.readUInt16BE(languageEnd) === end;
}

/**
 * The length of the message's header (version, code, request id and attribute groups up to and
 * including end-of-attributes-tag) when `buf` holds all of it, or null when more bytes are needed;
 * whatever follows is document data. Throws IppSyntaxError for bytes that cannot be IPP.
 */
export function ippHeaderLength(buf: Buffer): number | null {
  const result = scan(buf);
  return result.complete ? result.length : null;
}

// ---- Decoding ---------------------------------------------------------------------------------

/** Decodes a complete message (request or response); throws IppSyntaxError when malformed. */
export function decodeMessage(buf: Buffer): IppMessage {
  const result = scan(buf);
  if (!result.complete) throw new IppSyntaxError('The IPP message ends before its end-of-attributes tag.');
  let raw: Record<string, unknown>;
  try {
    raw = ipp.parse(buf.subarray(0, result.length));
  } catch (err) {
    throw new IppSyntaxError('The IPP message could not be decoded.', { cause: err });
  }
  const seen = new Map<string, number>();
  const groups = result.groups.map((scanned): IppGroup => {
    const tag = GROUP_TAGS[scanned.tag]!;
    const index = seen.get(tag) ?? 0;
    seen.set(tag, index + 1);
    const stored = raw[tag];
    const rawGroup = Array.isArray(stored) ? stored[index] : index === 0 ? stored : undefined;
    return { tag, attributes: normaliseGroup(scanned, rawGroup) };
  });
  return {
    version: `${buf[0]}.${buf[1]}`,
    code: buf.readUInt16BE(2),
    requestId: buf.readUInt32BE(4),
    groups,
  };
}

function normaliseGroup(scanned: ScannedGroup, rawGroup: unknown): IppAttributes {
  const attributes = new Map<string, IppValue[]>();
  if (scanned.attributes.length === 0) return attributes;
  if (!rawGroup || typeof rawGroup !== 'object')
    throw new IppSyntaxError('An attribute group was not decoded.');
  // A repeated name overwrites the earlier one in the package's object; the last one wins here too.
  const last = new Map(scanned.attributes.map((a) => [a.name, a]));
  for (const [name, attribute] of last) {
    if (!Object.hasOwn(rawGroup, name)) throw new IppSyntaxError(`Attribute ${name} was not decoded.`);
    const value: unknown = (rawGroup as Record<string, unknown>)[name];
    const count = attribute.valueTags.length;
    const values: unknown[] = count === 1 ? [value] : Array.isArray(value) ? value : [];
    if (values.length !== count)
      throw new IppSyntaxError(`Attribute ${name} has an unexpected number of values.`);
    attributes.set(
      name,
      values.map((v, i) => normaliseValue(v, attribute.valueTags[i]!)),
    );
  }
  return attributes;
}

function normaliseValue(value: unknown, tag: number): IppValue {
  if (tag === TAG.rangeOfInteger && Array.isArray(value)) {
    return { lower: Number(value[0]), upper: Number(value[1]) };
  }
  if (tag === TAG.resolution && Array.isArray(value)) {
    return { cross: Number(value[0]), feed: Number(value[1]), units: value[2] === 'dpi' ? 'dpi' : 'dpcm' };
  }
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') {
    // textWithLanguage / nameWithLanguage arrive as language + RS + text; callers want the text.
    const separator = value.indexOf(RS);
    return separator >= 0 ? value.slice(separator + 1) : value;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value instanceof Date) return value;
  if (typeof value === 'object') return value as IppCollection;
  return null;
}

function groupAttributes(groups: readonly IppGroup[], tag: string): IppAttributes {
  return groups.find((g) => g.tag === tag)?.attributes ?? EMPTY;
}

/** The status-code keyword for a number, or 0xNNNN when the package does not know it. */
export function statusCodeName(code: number): string {
  return ipp.statusCodes.lookup[code] ?? `0x${code.toString(16).padStart(4, '0')}`;
}

/**
 * Decodes a printer's answer. Anything malformed becomes an UpstreamError (printer_unreachable: we
 * could not talk IPP with whatever is at that address), never a stray exception.
 */
export function decodeResponse(buf: Buffer): IppResponse {
  let message: IppMessage;
  try {
    message = decodeMessage(buf);
  } catch (err) {
    throw new UpstreamError(
      'printer_unreachable',
      'The printer sent an answer that could not be read. Check that the printer address is right.',
      { cause: err },
    );
  }
  return {
    version: message.version,
    statusCode: statusCodeName(message.code),
    status: message.code,
    requestId: message.requestId,
    operationAttributes: groupAttributes(message.groups, 'operation-attributes-tag'),
    printerAttributes: groupAttributes(message.groups, 'printer-attributes-tag'),
    jobAttributes: groupAttributes(message.groups, 'job-attributes-tag'),
    unsupportedAttributes: groupAttributes(message.groups, 'unsupported-attributes-tag'),
    jobGroups: groupsTagged(message.groups, 'job-attributes-tag'),
    subscriptionGroups: groupsTagged(message.groups, 'subscription-attributes-tag'),
    eventGroups: groupsTagged(message.groups, 'event-notification-attributes-tag'),
  };
}

function groupsTagged(groups: readonly IppGroup[], tag: string): IppAttributes[] {
  return groups.filter((g) => g.tag === tag).map((g) => g.attributes);
}

/** Decodes a client's request header (for the virtual printer); throws IppSyntaxError when malformed. */
export function decodeRequest(buf: Buffer): IppRequest {
  const message = decodeMessage(buf);
  return {
    version: message.version,
    operationId: message.code,
    operation: ipp.operations.lookup[message.code] ?? null,
    requestId: message.requestId,
    operationAttributes: groupAttributes(message.groups, 'operation-attributes-tag'),
    jobAttributes: groupAttributes(message.groups, 'job-attributes-tag'),
    groups: message.groups,
  };
}

// ---- Encoding ---------------------------------------------------------------------------------

function isRange(value: unknown): value is IppRange {
  if (!value || typeof value !== 'object') return false;
  const keys = Object.keys(value);
  return (
    keys.length === 2 &&
    typeof (value as IppRange).lower === 'number' &&
    typeof (value as IppRange).upper === 'number'
  );
}

function isResolution(value: unknown): value is IppResolution {
  if (!value || typeof value !== 'object') return false;
  const { cross, feed, units } = value as IppResolution;
  return (
    Object.keys(value).length === 3 &&
    typeof cross === 'number' &&
    typeof feed === 'number' &&
    (units === 'dpi' || units === 'dpcm')
  );
}

function toPackageValue(value: IppValueInput): unknown {
  if (typeof value === 'string') return value.replaceAll(RS, ' ');
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw new TypeError(`IPP integers must be 32-bit integers, got ${value}.`);
    }
    return value;
  }
  if (typeof value === 'boolean') return value;
  if (isRange(value)) return [toPackageValue(value.lower), toPackageValue(value.upper)];
  if (isResolution(value)) return [toPackageValue(value.cross), toPackageValue(value.feed), value.units];
  return Object.fromEntries(Object.entries(value).map(([member, v]) => [member, toPackageValue(v)]));
}

function toPackageGroup(attributes: IppAttributesInput): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [name, value] of Object.entries(attributes)) {
    // Always a list, so the package writes a single range as one rangeOfInteger, not two integers.
    const list: readonly IppValueInput[] = Array.isArray(value) ? value : [value as IppValueInput];
    if (list.length > 0) out[name] = list.map(toPackageValue);
  }
  return out;
}

/** RFC 8011 section 4.1.4: attributes-charset first, attributes-natural-language second. */
function orderOperationAttributes(attributes: IppAttributesInput): IppAttributesInput {
  const { 'attributes-charset': charset, 'attributes-natural-language': language, ...rest } = attributes;
  return {
    'attributes-charset': charset ?? 'utf-8',
    'attributes-natural-language': language ?? 'en',
    ...rest,
  };
}

/**
 * The package cannot write an unsupported-attributes group (RFC 8011 section 4.1.7): it looks every
 * attribute's syntax up by group and has none for that one. So each attribute is written in the group
 * that defines it (job template, operation or printer) and the values are put under the 0x05 tag.
 */
function encodeUnsupportedGroup(attributes: IppAttributesInput): Buffer {
  const parts: Buffer[] = [Buffer.from([GROUP_CODES['unsupported-attributes-tag']])];
  for (const [name, value] of Object.entries(attributes)) {
    let encoded: Buffer | undefined;
    for (const home of [
      'job-attributes-tag',
      'operation-attributes-tag',
      'printer-attributes-tag',
    ] as const) {
      try {
        encoded = encodeGroup(home, { [name]: value });
        break;
      } catch {
        // not an attribute of this group
      }
    }
    if (!encoded) throw new TypeError(`Cannot encode IPP unsupported attribute ${name}.`);
    parts.push(encoded.subarray(1));
  }
  return Buffer.concat(parts);
}

/** One group's bytes (group tag through its last value), as the package writes them. */
function encodeGroup(tag: IppGroupTag, attributes: IppAttributesInput): Buffer {
  if (tag === 'unsupported-attributes-tag') return encodeUnsupportedGroup(attributes);
  // Written as a job group, then given its own delimiter tag (see the tables' comment above).
  const asJob = tag === 'subscription-attributes-tag' || tag === 'event-notification-attributes-tag';
  let bytes: Buffer;
  try {
    bytes = ipp.serialize({
      version: '2.0',
      statusCode: 'successful-ok',
      id: 1,
      [asJob ? 'job-attributes-tag' : tag]: toPackageGroup(attributes),
    });
  } catch (err) {
    // The package throws plain strings such as "Unknown attribute: foo".
    throw new TypeError(`Cannot encode IPP ${tag}: ${String(err)}`, { cause: err });
  }
  // Drop its 8-byte header and its end-of-attributes tag; we write our own around the groups.
  const group = Buffer.from(bytes.subarray(8, bytes.length - 1));
  if (group.length === 0) return Buffer.from([GROUP_CODES[tag]]);
  group[0] = GROUP_CODES[tag];
  return group;
}

function encodeHeader(version: string, code: number, requestId: number): Buffer {
  const [major, minor] = version.split('.').map(Number);
  const header = Buffer.alloc(8);
  header.writeUInt8(major ?? 2, 0);
  header.writeUInt8(minor ?? 0, 1);
  header.writeUInt16BE(code, 2);
  header.writeUInt32BE(requestId >>> 0, 4);
  return header;
}

function assemble(header: Buffer, groups: Buffer[]): Buffer {
  const message = Buffer.concat([header, ...groups, Buffer.from([TAG.end])]);
  // The package writes garbage instead of failing for some values (an enum it cannot name); catch it here.
  try {
    if (ippHeaderLength(message) !== message.length) throw new IppSyntaxError('trailing bytes');
  } catch (err) {
    throw new TypeError('The IPP encoder produced a malformed message.', { cause: err });
  }
  return message;
}

/** Encodes a request's header (no document data); the document, if any, is sent right after it. */
export function encodeRequest(request: IppRequestInput): Buffer {
  const code = ipp.operations[request.operation];
  if (typeof code !== 'number') throw new TypeError(`Unknown IPP operation ${request.operation}.`);
  const groups = [
    encodeGroup('operation-attributes-tag', orderOperationAttributes(request.operationAttributes)),
  ];
  if (request.jobAttributes && Object.keys(request.jobAttributes).length > 0) {
    groups.push(encodeGroup('job-attributes-tag', request.jobAttributes));
  }
  if (request.subscriptionAttributes) {
    groups.push(encodeGroup('subscription-attributes-tag', request.subscriptionAttributes));
  }
  return assemble(encodeHeader(request.version ?? '2.0', code, request.requestId), groups);
}

/** Encodes a response (for the virtual printer). */
export function encodeResponse(response: IppResponseInput): Buffer {
  const code = ipp.statusCodes[response.statusCode];
  if (typeof code !== 'number') throw new TypeError(`Unknown IPP status code ${response.statusCode}.`);
  const groups = response.groups.map((g) =>
    encodeGroup(
      g.tag,
      g.tag === 'operation-attributes-tag' ? orderOperationAttributes(g.attributes) : g.attributes,
    ),
  );
  return assemble(encodeHeader(response.version ?? '2.0', code, response.requestId), groups);
}

// ---- Reading attributes ------------------------------------------------------------------------

/** The first value of `name` if it is a string. */
export function firstString(attributes: IppAttributes, name: string): string | undefined {
  const value = attributes.get(name)?.[0];
  return typeof value === 'string' ? value : undefined;
}

/** Every string value of `name` (empty when absent). */
export function allStrings(attributes: IppAttributes, name: string): string[] {
  return (attributes.get(name) ?? []).filter((v): v is string => typeof v === 'string');
}

/** The first value of `name` if it is a number (integer or an enum the package could not name). */
export function firstNumber(attributes: IppAttributes, name: string): number | undefined {
  const value = attributes.get(name)?.[0];
  return typeof value === 'number' ? value : undefined;
}

/** The first value of `name` if it is a boolean. */
export function firstBoolean(attributes: IppAttributes, name: string): boolean | undefined {
  const value = attributes.get(name)?.[0];
  return typeof value === 'boolean' ? value : undefined;
}

/** The first value of `name` if it is a string or a number (enums: keyword when known, else number). */
export function firstEnum(attributes: IppAttributes, name: string): string | number | undefined {
  const value = attributes.get(name)?.[0];
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}
