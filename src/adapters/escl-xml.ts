// eSCL (AirScan) XML, both ways, as pure functions: ScanSettings out, ScannerCapabilities and
// ScannerStatus in. Elements are matched by local name because devices bind the eSCL and PWG
// namespaces to different prefixes (scan:/pwg: usually, but not always).
// Element names follow the Mopria eSCL spec and what sane-airscan reads (airscan-escl.c).

import type {
  ScanColorMode,
  ScannerCapabilities,
  ScannerStatus,
  ScanSettings,
  ScanSource,
} from '../domain/ports.js';

/** One XML element: its local name (prefix dropped), children and the text directly inside it. */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

export class EsclXmlError extends Error {}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code =
        ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      // String.fromCodePoint throws a RangeError past U+10FFFF; such a reference is kept as written.
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    // Own keys only: &constructor; must not find Object.prototype's members.
    const name = ref.toLowerCase();
    return Object.hasOwn(ENTITIES, name) ? ENTITIES[name]! : whole;
  });
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon >= 0 ? qualified.slice(colon + 1) : qualified;
}

// eSCL documents nest about six deep; a limit keeps the recursive readers below off the stack's end.
const MAX_DEPTH = 64;

/**
 * A small, forgiving XML reader: enough for eSCL documents; attributes are ignored. A DOCTYPE is
 * skipped and only the five predefined entities are known, so no entity is ever expanded.
 */
export function parseXml(source: string): XmlElement {
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
  let at = 0;
  while (at < source.length) {
    const lt = source.indexOf('<', at);
    const text = source.slice(at, lt < 0 ? source.length : lt);
    stack[stack.length - 1]!.text += decodeEntities(text);
    if (lt < 0) break;
    if (source.startsWith('<?', lt) || source.startsWith('<!--', lt) || source.startsWith('<!DOCTYPE', lt)) {
      const end = source.startsWith('<!--', lt) ? source.indexOf('-->', lt) + 3 : source.indexOf('>', lt) + 1;
      if (end <= 0 || end <= lt) throw new EsclXmlError('unterminated declaration or comment');
      at = end;
      continue;
    }
    if (source.startsWith('<![CDATA[', lt)) {
      const end = source.indexOf(']]>', lt);
      if (end < 0) throw new EsclXmlError('unterminated CDATA');
      stack[stack.length - 1]!.text += source.slice(lt + 9, end);
      at = end + 3;
      continue;
    }
    tag.lastIndex = lt;
    const m = tag.exec(source);
    if (!m) throw new EsclXmlError(`malformed tag at ${lt}`);
    at = tag.lastIndex;
    const [, closing, qname = '', , selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (!open || stack.length === 0 || open.name !== localName(qname)) {
        throw new EsclXmlError(`unexpected </${qname}>`);
      }
      continue;
    }
    const element: XmlElement = { name: localName(qname), children: [], text: '' };
    stack[stack.length - 1]!.children.push(element);
    if (!selfClosing) stack.push(element);
    if (stack.length > MAX_DEPTH) throw new EsclXmlError('the document is nested too deeply');
  }
  if (stack.length !== 1) throw new EsclXmlError(`<${stack[stack.length - 1]!.name}> is not closed`);
  const [document] = root.children;
  if (!document || root.children.length !== 1) throw new EsclXmlError('expected one root element');
  return document;
}

function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

function childrenNamed(element: XmlElement | undefined, name: string): XmlElement[] {
  return element?.children.filter((c) => c.name === name) ?? [];
}

/** Every element with this local name below `element`, in document order. */
function descendants(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  for (const c of element.children) {
    if (c.name === name) found.push(c);
    found.push(...descendants(c, name));
  }
  return found;
}

function textOf(element: XmlElement | undefined): string | undefined {
  const t = element?.text.trim();
  return t ? t : undefined;
}

// ---- Keywords ------------------------------------------------------------------------------------

const COLOR_MODES: ReadonlyArray<[ScanColorMode, string]> = [
  ['color', 'RGB24'],
  ['grayscale', 'Grayscale8'],
  ['blackandwhite', 'BlackAndWhite1'],
];

export function esclColorMode(mode: ScanColorMode): string {
  return COLOR_MODES.find(([ours]) => ours === mode)![1];
}

/** Our colour mode for an eSCL ColorMode keyword; null for ones we do not use (RGB48, Grayscale16...). */
export function colorModeFromEscl(keyword: string): ScanColorMode | null {
  return COLOR_MODES.find(([, theirs]) => theirs === keyword)?.[0] ?? null;
}

export function esclInputSource(source: ScanSource): 'Platen' | 'Feeder' {
  return source === 'flatbed' ? 'Platen' : 'Feeder';
}

export function sourceFromEscl(keyword: string): ScanSource | null {
  if (keyword === 'Platen') return 'flatbed';
  if (keyword === 'Feeder' || keyword === 'Adf') return 'feeder';
  return null;
}

const STATES: Record<string, ScannerStatus['state']> = {
  Idle: 'idle',
  Processing: 'processing',
  Testing: 'testing',
  Stopped: 'stopped',
  Down: 'down',
};

// Resolutions offered from a ResolutionRange, which some scanners give instead of discrete ones.
const COMMON_RESOLUTIONS = [75, 100, 150, 200, 240, 300, 400, 600, 1200];

// ---- ScanSettings (what we send) ------------------------------------------------------------------

/** A4 in the 1/300 inch units ScanRegion uses (210 x 297 mm). */
export const A4_REGION = { width: 2480, height: 3508 } as const;

export interface ScanSettingsXmlOptions {
  /** eSCL version the scanner announced; 2.0 is what sane-airscan sends and every device takes. */
  version?: string;
  /** Scan region in 1/300 inch; A4 unless given. */
  region?: { width: number; height: number };
}

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`,
  );
}

/** The body of POST /eSCL/ScanJobs for these settings. */
export function scanSettingsXml(settings: ScanSettings, options: ScanSettingsXmlOptions = {}): string {
  const region = options.region ?? A4_REGION;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<scan:ScanSettings xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm">',
    `  <pwg:Version>${escapeXml(options.version ?? '2.0')}</pwg:Version>`,
    '  <scan:Intent>Document</scan:Intent>',
    '  <pwg:ScanRegions>',
    '    <pwg:ScanRegion>',
    '      <pwg:ContentRegionUnits>escl:ThreeHundredthsOfInches</pwg:ContentRegionUnits>',
    '      <pwg:XOffset>0</pwg:XOffset>',
    '      <pwg:YOffset>0</pwg:YOffset>',
    `      <pwg:Width>${region.width}</pwg:Width>`,
    `      <pwg:Height>${region.height}</pwg:Height>`,
    '    </pwg:ScanRegion>',
    '  </pwg:ScanRegions>',
    `  <pwg:InputSource>${esclInputSource(settings.source)}</pwg:InputSource>`,
    `  <scan:ColorMode>${esclColorMode(settings.colorMode)}</scan:ColorMode>`,
    `  <pwg:DocumentFormat>${escapeXml(settings.format)}</pwg:DocumentFormat>`,
    `  <scan:DocumentFormatExt>${escapeXml(settings.format)}</scan:DocumentFormatExt>`,
    `  <scan:XResolution>${settings.resolution}</scan:XResolution>`,
    `  <scan:YResolution>${settings.resolution}</scan:YResolution>`,
    // Only feeder jobs carry Duplex, as sane-airscan does; some scanners reject it for the platen.
    ...(settings.source === 'feeder' ? [`  <scan:Duplex>${settings.duplex}</scan:Duplex>`] : []),
    '</scan:ScanSettings>',
  ];
  return `${lines.join('\n')}\n`;
}

/** ScanSettings as a scanner reads them: each field as sent, or null when missing or not understood. */
export interface ReceivedScanSettings {
  version: string | null;
  intent: string | null;
  source: ScanSource | null;
  /** The InputSource keyword as sent. */
  inputSource: string | null;
  duplex: boolean;
  colorMode: ScanColorMode | null;
  /** The ColorMode keyword as sent. */
  esclColorMode: string | null;
  xResolution: number | null;
  yResolution: number | null;
  /** DocumentFormatExt when present (it wins, as the spec says), else DocumentFormat. */
  format: string | null;
  region: { width: number; height: number; xOffset: number; yOffset: number } | null;
}

function numberOf(element: XmlElement | undefined): number | null {
  const t = textOf(element);
  const n = t === undefined ? Number.NaN : Number(t);
  return Number.isFinite(n) ? n : null;
}

/** Reads a ScanSettings document (what the scanner double receives). Throws EsclXmlError if it is not one. */
export function parseScanSettings(xml: string): ReceivedScanSettings {
  const root = parseXml(xml);
  if (root.name !== 'ScanSettings') throw new EsclXmlError(`expected ScanSettings, got ${root.name}`);
  const inputSource = textOf(child(root, 'InputSource')) ?? null;
  const colorKeyword = textOf(child(root, 'ColorMode')) ?? null;
  const region = child(child(root, 'ScanRegions'), 'ScanRegion');
  const width = numberOf(child(region, 'Width'));
  const height = numberOf(child(region, 'Height'));
  return {
    version: textOf(child(root, 'Version')) ?? null,
    intent: textOf(child(root, 'Intent')) ?? null,
    source: inputSource ? sourceFromEscl(inputSource) : null,
    inputSource,
    duplex: textOf(child(root, 'Duplex'))?.toLowerCase() === 'true',
    colorMode: colorKeyword ? colorModeFromEscl(colorKeyword) : null,
    esclColorMode: colorKeyword,
    xResolution: numberOf(child(root, 'XResolution')),
    yResolution: numberOf(child(root, 'YResolution')),
    format: textOf(child(root, 'DocumentFormatExt')) ?? textOf(child(root, 'DocumentFormat')) ?? null,
    region:
      width !== null && height !== null
        ? {
            width,
            height,
            xOffset: numberOf(child(region, 'XOffset')) ?? 0,
            yOffset: numberOf(child(region, 'YOffset')) ?? 0,
          }
        : null,
  };
}

// ---- ScannerCapabilities and ScannerStatus (what we read) ----------------------------------------

// A resolution is offered to people and written back into ScanSettings, so only whole, plausible dpi.
const MAX_DPI = 19_200;
function isDpi(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n <= MAX_DPI;
}

function resolutionsOf(caps: XmlElement): number[] {
  const found = new Set<number>();
  for (const r of descendants(caps, 'DiscreteResolution')) {
    const x = numberOf(child(r, 'XResolution'));
    const y = numberOf(child(r, 'YResolution'));
    // Like sane-airscan, only square resolutions: ScanSettings asks one number for both.
    if (x !== null && isDpi(x) && (y === null || y === x)) found.add(x);
  }
  if (found.size === 0) {
    for (const range of descendants(caps, 'ResolutionRange')) {
      const x = child(range, 'XResolution');
      const min = numberOf(child(x, 'Min'));
      const max = numberOf(child(x, 'Max'));
      if (min === null || max === null) continue;
      for (const r of COMMON_RESOLUTIONS) if (r >= min && r <= max) found.add(r);
    }
  }
  return [...found];
}

/** Reads GET /eSCL/ScannerCapabilities. Throws EsclXmlError when it is not capabilities or offers no source. */
export function parseCapabilities(xml: string): ScannerCapabilities {
  const root = parseXml(xml);
  if (root.name !== 'ScannerCapabilities')
    throw new EsclXmlError(`expected ScannerCapabilities, got ${root.name}`);
  const platen = child(child(root, 'Platen'), 'PlatenInputCaps');
  const adf = child(root, 'Adf');
  const simplex = child(adf, 'AdfSimplexInputCaps');
  const duplexCaps = child(adf, 'AdfDuplexInputCaps');
  const adfOptions = childrenNamed(child(adf, 'AdfOptions'), 'AdfOption').map((o) => textOf(o));
  const inputs = [platen, simplex, duplexCaps].filter((c): c is XmlElement => c !== undefined);
  if (inputs.length === 0) throw new EsclXmlError('the scanner offers neither a platen nor a feeder');

  const colorModes = new Set<ScanColorMode>();
  const resolutions = new Set<number>();
  const formats = new Set<string>();
  for (const caps of inputs) {
    for (const m of descendants(caps, 'ColorMode')) {
      const mode = colorModeFromEscl(textOf(m) ?? '');
      if (mode) colorModes.add(mode);
    }
    for (const r of resolutionsOf(caps)) resolutions.add(r);
    for (const name of ['DocumentFormat', 'DocumentFormatExt']) {
      for (const f of descendants(caps, name)) {
        const format = textOf(f)?.toLowerCase();
        if (format) formats.add(format);
      }
    }
  }
  const sources: ScanSource[] = [];
  if (platen) sources.push('flatbed');
  if (simplex || duplexCaps) sources.push('feeder');
  return {
    sources,
    duplex: duplexCaps !== undefined || adfOptions.includes('Duplex'),
    colorModes: COLOR_MODES.map(([ours]) => ours).filter((m) => colorModes.has(m)),
    resolutions: [...resolutions].sort((a, b) => a - b),
    formats: [...formats],
  };
}

/** Reads GET /eSCL/ScannerStatus. Throws EsclXmlError when it is not a status. */
export function parseStatus(xml: string): ScannerStatus {
  const root = parseXml(xml);
  if (root.name !== 'ScannerStatus') throw new EsclXmlError(`expected ScannerStatus, got ${root.name}`);
  const keyword = textOf(child(root, 'State')) ?? '';
  const state = Object.hasOwn(STATES, keyword) ? STATES[keyword] : undefined;
  if (!state) throw new EsclXmlError('ScannerStatus has no known State');
  const adf = textOf(child(root, 'AdfState'));
  return { state, adf: adf ? adf.replace(/^Scanner/, '') : null };
}
