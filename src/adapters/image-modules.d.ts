// Minimal types for the parts of `omggif` (1.0.10, CommonJS, untyped) that image-decode.ts and its tests use.

declare module 'omggif' {
  export class GifReader {
    constructor(bytes: Uint8Array);
    readonly width: number;
    readonly height: number;
    numFrames(): number;
    /** Decodes frame `index` onto `pixels` (width x height x 4 bytes), as a browser would show it. */
    decodeAndBlitFrameRGBA(index: number, pixels: Uint8Array): void;
  }

  export class GifWriter {
    constructor(
      buffer: Uint8Array,
      width: number,
      height: number,
      options?: { palette?: number[]; loop?: number },
    );
    /** Adds a frame of palette indexes. */
    addFrame(
      x: number,
      y: number,
      width: number,
      height: number,
      indexes: number[],
      options?: object,
    ): number;
    /** Ends the file; returns its length in `buffer`. */
    end(): number;
  }
}
