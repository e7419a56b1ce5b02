// Run as its own process by test/integration/google-drive-resumable.test.ts: one resumable upload through
// the real connector, reporting how much memory this process grew by while it ran. In its own process
// so the Google double's copy of the upload is not counted.

import { GoogleDriveConnector } from '../../src/adapters/google-drive.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const [API_ROOT, TOKEN, FILE, SIZE, FOLDER] = ['API_ROOT', 'TOKEN', 'FILE', 'SIZE', 'FOLDER'].map(env) as [
  string,
  string,
  string,
  string,
  string,
];
const CHUNK_BYTES = process.env.CHUNK_BYTES;

const drive = new GoogleDriveConnector({
  apiRoot: API_ROOT,
  ...(CHUNK_BYTES ? { chunkBytes: Number(CHUNK_BYTES) } : {}),
}).forToken(TOKEN);
const before = process.memoryUsage();
let peakRss = 0;
let peakBuffers = 0;
const sample = () => {
  const now = process.memoryUsage();
  peakRss = Math.max(peakRss, now.rss - before.rss);
  peakBuffers = Math.max(peakBuffers, now.arrayBuffers - before.arrayBuffers);
};
const timer = setInterval(sample, 5);
const uploaded = await drive.upload({
  filePath: FILE,
  name: 'Big upload.pdf',
  folderId: FOLDER,
  mimeType: 'application/pdf',
  size: Number(SIZE),
});
clearInterval(timer);
sample();
process.stdout.write(JSON.stringify({ id: uploaded.id, peakRss, peakBuffers }));
