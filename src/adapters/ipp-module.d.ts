// Minimal types for the parts of the `ipp` package (2.0.1, CommonJS, untyped) that ipp-codec.ts uses.
// The package's own shapes are loose (scalars or arrays, strings thrown as errors), so `any` stays here
// at the boundary and ipp-codec.ts turns everything into typed values.

declare module 'ipp' {
  /** A message as the package builds and reads it: version, operation or statusCode, id, groups by tag name. */
  // biome-ignore lint/suspicious/noExplicitAny: untyped CommonJS package boundary
  export type IppMessage = Record<string, any>;

  interface Parse {
    (buffer: Buffer): IppMessage;
    /** Called for value tags the parser does not know (out-of-band no-value, unknown, ...); logs by default. */
    handleUnknownTag: (
      tag: number,
      name: string,
      length: number,
      read: (length: number) => string,
    ) => unknown;
  }

  interface Lookup {
    readonly [name: string]: unknown;
    /** Index: numeric code; value: keyword name. Sparse. */
    readonly lookup: ReadonlyArray<string | undefined>;
  }

  const ipp: {
    parse: Parse;
    /** Encodes a message; throws a string (not an Error) for an attribute it does not know. */
    serialize(message: IppMessage): Buffer;
    statusCodes: Lookup;
    operations: Lookup;
  };
  export default ipp;
}
