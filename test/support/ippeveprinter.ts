// The harness lives in src/dev so that the demo can run a real ippeveprinter too.
export * from '../../src/dev/ippeveprinter.js';
