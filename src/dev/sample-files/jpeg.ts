// A real 48x32 baseline JPEG (a gradient with two dots), small enough to keep in source. Sample photos
// get a JPEG comment segment with their name so each one has distinct bytes.

const TEAM_PHOTO_BASE64 =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KSEiMEEx' +
  'NDk7Pj4+JS5ESUM8SDc9Pjv/2wBDAQoLCw4NDhwQEBw7KCIoOzs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7' +
  'Ozs7Ozs7Ozs7Ozs7Ozv/wAARCAAgADADASIAAhEBAxEB/8QAGgAAAwEAAwAAAAAAAAAAAAAAAwUGAgEEB//EACEQAAICAgIC' +
  'AwEAAAAAAAAAAAECAAMFEQQSBiIxUWGR/8QAFQEBAQAAAAAAAAAAAAAAAAAABQT/xAAcEQACAwEBAQEAAAAAAAAAAAABAwAC' +
  'EQQSITH/2gAMAwEAAhEDEQA/AAqsMqzKrPQfC8XxUxS85q1e+1m9iNlQDrQ+vjcV6HZDkr0yGRYZFlt5djOM+NbmrWqXVsPY' +
  'DRYE60fv5nPiOO4yY1eYa1e6xj7EbKgHWh/ISyxscl1a+ZHKsMqyv8ox/HbHnlhFS6th7Aa7AnWj/ZKKsG6yVnDL0j0IlVY9' +
  'wfkXJw9bUrWt1LHt0YkEH8MTIsMix97IYqscZfyDkZhVqataaVPbop2Sf0wmGzvIxSNUta21Me3Vjog/hilVhlWDteQdBl9K' +
  'b+xrlM3flVWtkWqpTvqDvZ/TOkqzKrDKsE6Xmx0mIKWB8E//2Q==';

export const SAMPLE_JPEG: Buffer = Buffer.from(TEAM_PHOTO_BASE64, 'base64');

/** The sample JPEG with a COM segment after the JFIF header (still a valid JPEG, different bytes). */
export function jpegWithComment(comment: string): Buffer {
  const text = Buffer.from(comment.slice(0, 1000), 'latin1');
  const segment = Buffer.alloc(4 + text.length);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(text.length + 2, 2);
  text.copy(segment, 4);
  // SOI (2 bytes) + APP0 marker (2) + APP0 length field value: the JFIF header ends here.
  const app0End = 4 + SAMPLE_JPEG.readUInt16BE(4);
  return Buffer.concat([SAMPLE_JPEG.subarray(0, app0End), segment, SAMPLE_JPEG.subarray(app0End)]);
}
