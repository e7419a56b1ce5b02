import { describe, expect, it } from 'vitest';
import {
  colorModeFromEscl,
  EsclXmlError,
  esclColorMode,
  parseCapabilities,
  parseScanSettings,
  parseStatus,
  parseXml,
  scanSettingsXml,
} from '../../src/adapters/escl-xml.js';
import type { ScanSettings } from '../../src/domain/ports.js';

const NS =
  'xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm"';

function inputCaps(
  tag: string,
  modes: string[],
  resolutions: number[],
  formats: string[],
  p = 'scan',
  w = 'pwg',
) {
  return `<${p}:${tag}>
    <${p}:MinWidth>16</${p}:MinWidth><${p}:MaxWidth>2550</${p}:MaxWidth>
    <${p}:SettingProfiles><${p}:SettingProfile>
      <${p}:ColorModes>${modes.map((m) => `<${p}:ColorMode>${m}</${p}:ColorMode>`).join('')}</${p}:ColorModes>
      <${p}:DocumentFormats>${formats.map((f) => `<${w}:DocumentFormat>${f}</${w}:DocumentFormat>`).join('')}</${p}:DocumentFormats>
      <${p}:SupportedResolutions><${p}:DiscreteResolutions>${resolutions
        .map(
          (r) =>
            `<${p}:DiscreteResolution><${p}:XResolution>${r}</${p}:XResolution><${p}:YResolution>${r}</${p}:YResolution></${p}:DiscreteResolution>`,
        )
        .join('')}</${p}:DiscreteResolutions></${p}:SupportedResolutions>
    </${p}:SettingProfile></${p}:SettingProfiles>
  </${p}:${tag}>`;
}

const HP_LIKE = `<?xml version="1.0" encoding="UTF-8"?>
<!-- THIS DATA SUBJECT TO DISCLAIMER(S) -->
<scan:ScannerCapabilities ${NS}>
  <pwg:Version>2.63</pwg:Version>
  <pwg:MakeAndModel>Office MFP &amp; Co</pwg:MakeAndModel>
  <scan:Platen>${inputCaps('PlatenInputCaps', ['RGB24', 'Grayscale8'], [300, 75, 150], ['image/jpeg', 'application/pdf'])}</scan:Platen>
  <scan:Adf>
    ${inputCaps('AdfSimplexInputCaps', ['RGB24', 'Grayscale8', 'BlackAndWhite1', 'RGB48'], [150, 300], ['image/jpeg'])}
    ${inputCaps('AdfDuplexInputCaps', ['RGB24'], [300], ['image/jpeg'])}
  </scan:Adf>
</scan:ScannerCapabilities>`;

// Same meaning, other prefixes: some devices bind the eSCL namespace to "escl" and PWG's to "p".
const OTHER_PREFIXES = `<escl:ScannerCapabilities xmlns:escl="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:p="http://www.pwg.org/schemas/2010/12/sm">
  <escl:Adf>${inputCaps('AdfSimplexInputCaps', ['Grayscale8'], [200], ['application/pdf'], 'escl', 'p')}
    <escl:AdfOptions><escl:AdfOption>DetectPaperLoaded</escl:AdfOption><escl:AdfOption>Duplex</escl:AdfOption></escl:AdfOptions>
  </escl:Adf>
</escl:ScannerCapabilities>`;

const RANGE_ONLY = `<scan:ScannerCapabilities ${NS}><scan:Platen><scan:PlatenInputCaps>
  <scan:SettingProfiles><scan:SettingProfile>
    <scan:ColorModes><scan:ColorMode>BlackAndWhite1</scan:ColorMode></scan:ColorModes>
    <scan:DocumentFormats><pwg:DocumentFormat>image/png</pwg:DocumentFormat><scan:DocumentFormatExt>image/png</scan:DocumentFormatExt></scan:DocumentFormats>
    <scan:SupportedResolutions><scan:ResolutionRange>
      <scan:XResolution><scan:Min>100</scan:Min><scan:Max>300</scan:Max><scan:Step>1</scan:Step></scan:XResolution>
      <scan:YResolution><scan:Min>100</scan:Min><scan:Max>300</scan:Max><scan:Step>1</scan:Step></scan:YResolution>
    </scan:ResolutionRange></scan:SupportedResolutions>
  </scan:SettingProfile></scan:SettingProfiles>
</scan:PlatenInputCaps></scan:Platen></scan:ScannerCapabilities>`;

describe('parseCapabilities', () => {
  it.each([
    [
      'platen and duplex feeder, scan:/pwg: prefixes',
      HP_LIKE,
      {
        sources: ['flatbed', 'feeder'],
        duplex: true,
        colorModes: ['color', 'grayscale', 'blackandwhite'],
        resolutions: [75, 150, 300],
        formats: ['image/jpeg', 'application/pdf'],
      },
    ],
    [
      'feeder only, other prefixes, duplex from AdfOptions',
      OTHER_PREFIXES,
      {
        sources: ['feeder'],
        duplex: true,
        colorModes: ['grayscale'],
        resolutions: [200],
        formats: ['application/pdf'],
      },
    ],
    [
      'a resolution range becomes the common resolutions inside it',
      RANGE_ONLY,
      {
        sources: ['flatbed'],
        duplex: false,
        colorModes: ['blackandwhite'],
        resolutions: [100, 150, 200, 240, 300],
        formats: ['image/png'],
      },
    ],
  ])('%s', (_name, xml, expected) => {
    expect(parseCapabilities(xml)).toEqual(expected);
  });

  it.each([
    ['not XML', 'Service Unavailable'],
    ['another document', `<scan:ScannerStatus ${NS}><pwg:State>Idle</pwg:State></scan:ScannerStatus>`],
    [
      'no source',
      `<scan:ScannerCapabilities ${NS}><pwg:Version>2.0</pwg:Version></scan:ScannerCapabilities>`,
    ],
    ['unclosed element', `<scan:ScannerCapabilities ${NS}><scan:Platen>`],
    ['mismatched close', `<scan:ScannerCapabilities ${NS}></scan:Platen>`],
  ])('rejects %s', (_name, xml) => {
    expect(() => parseCapabilities(xml)).toThrow(EsclXmlError);
  });
});

describe('parseStatus', () => {
  const status = (body: string, p = 'scan', w = 'pwg') =>
    `<?xml version="1.0"?><${p}:ScannerStatus xmlns:${p}="x" xmlns:${w}="y">${body}</${p}:ScannerStatus>`;
  it.each([
    [status('<pwg:State>Idle</pwg:State>'), { state: 'idle', adf: null }],
    [
      status('<pwg:State>Idle</pwg:State><scan:AdfState>ScannerAdfLoaded</scan:AdfState>'),
      { state: 'idle', adf: 'AdfLoaded' },
    ],
    [
      status('<pwg:State>Processing</pwg:State><scan:AdfState>ScannerAdfEmpty</scan:AdfState>'),
      { state: 'processing', adf: 'AdfEmpty' },
    ],
    [
      status('<pwg:State>Stopped</pwg:State><scan:AdfState>ScannerAdfJam</scan:AdfState>'),
      { state: 'stopped', adf: 'AdfJam' },
    ],
    [status('<pwg:State>Testing</pwg:State>'), { state: 'testing', adf: null }],
    [
      status('<p:State>Down</p:State><e:AdfState>ScannerAdfDoorOpen</e:AdfState>', 'e', 'p'),
      { state: 'down', adf: 'AdfDoorOpen' },
    ],
    [
      status(
        '<pwg:State>Processing</pwg:State><scan:Jobs><scan:JobInfo><pwg:JobState>Aborted</pwg:JobState></scan:JobInfo></scan:Jobs>',
      ),
      { state: 'processing', adf: null },
    ],
  ])('%s', (xml, expected) => {
    expect(parseStatus(xml)).toEqual(expected);
  });

  it.each([status(''), status('<pwg:State>Asleep</pwg:State>'), '<html><body>503</body></html>'])(
    'rejects %s',
    (xml) => {
      expect(() => parseStatus(xml)).toThrow(EsclXmlError);
    },
  );
});

describe('colour mode keywords', () => {
  it.each([
    ['color', 'RGB24'],
    ['grayscale', 'Grayscale8'],
    ['blackandwhite', 'BlackAndWhite1'],
  ] as const)('%s <-> %s', (ours, theirs) => {
    expect(esclColorMode(ours)).toBe(theirs);
    expect(colorModeFromEscl(theirs)).toBe(ours);
  });

  it.each(['RGB48', 'Grayscale16', 'AutoColorDetection', ''])('%j is not one of ours', (keyword) => {
    expect(colorModeFromEscl(keyword)).toBeNull();
  });
});

describe('scanSettingsXml', () => {
  it.each<[string, ScanSettings, Partial<ReturnType<typeof parseScanSettings>>]>([
    [
      'feeder, duplex, grey, JPEG',
      { source: 'feeder', duplex: true, colorMode: 'grayscale', resolution: 300, format: 'image/jpeg' },
      {
        inputSource: 'Feeder',
        source: 'feeder',
        duplex: true,
        esclColorMode: 'Grayscale8',
        xResolution: 300,
        yResolution: 300,
        format: 'image/jpeg',
      },
    ],
    [
      'flatbed, colour, PDF',
      { source: 'flatbed', duplex: false, colorMode: 'color', resolution: 150, format: 'application/pdf' },
      {
        inputSource: 'Platen',
        source: 'flatbed',
        duplex: false,
        esclColorMode: 'RGB24',
        xResolution: 150,
        format: 'application/pdf',
      },
    ],
    [
      'feeder, one side, black and white',
      { source: 'feeder', duplex: false, colorMode: 'blackandwhite', resolution: 600, format: 'image/jpeg' },
      {
        inputSource: 'Feeder',
        duplex: false,
        esclColorMode: 'BlackAndWhite1',
        colorMode: 'blackandwhite',
        yResolution: 600,
      },
    ],
  ])('%s', (_name, settings, expected) => {
    const xml = scanSettingsXml(settings);
    expect(parseScanSettings(xml)).toMatchObject({
      version: '2.0',
      intent: 'Document',
      region: { width: 2480, height: 3508, xOffset: 0, yOffset: 0 },
      ...expected,
    });
  });

  it('sends Duplex only for the feeder', () => {
    const flatbed = scanSettingsXml({
      source: 'flatbed',
      duplex: false,
      colorMode: 'color',
      resolution: 300,
      format: 'image/jpeg',
    });
    expect(flatbed).not.toContain('Duplex');
  });

  it('escapes what it does not control', () => {
    const xml = scanSettingsXml({
      source: 'flatbed',
      duplex: false,
      colorMode: 'color',
      resolution: 300,
      format: 'a<b>&c',
    });
    expect(xml).toContain('a&lt;b&gt;&amp;c');
    expect(parseScanSettings(xml).format).toBe('a<b>&c');
  });
});

describe('parseXml', () => {
  it('reads text, entities, CDATA and self-closing elements by local name', () => {
    const doc = parseXml(
      '<a:Root x="1"><b:Item/><Text>x &lt; y &#65;&#x42;<![CDATA[<raw>]]></Text></a:Root>',
    );
    expect(doc.name).toBe('Root');
    expect(doc.children.map((c) => c.name)).toEqual(['Item', 'Text']);
    expect(doc.children[1]!.text).toBe('x < y AB<raw>');
  });
});
