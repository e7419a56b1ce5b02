import { describe, expect, it } from 'vitest';
import { InMemoryScanJobStore } from '../../src/adapters/memory-job-store.js';
import { CanceledSignal } from '../../src/domain/background.js';
import { changeJob } from '../../src/domain/job-changes.js';
import type { ScanJob } from '../../src/domain/ports.js';

function scanJob(): ScanJob {
  return {
    scanJobId: 'scan-1',
    ownerKey: 'owner',
    printerId: 'demo',
    state: 'scanning',
    settings: {} as ScanJob['settings'],
    pages: 0,
    folderId: 'root',
    folderName: 'My Drive',
    name: 'Scan',
    fileId: null,
    duplicateName: false,
    error: null,
    createdAt: 1,
    updatedAt: 1,
  };
}

describe('changeJob: compare-and-set on the job store', () => {
  it("a cancel recorded by another instance is never overwritten by the owner's next progress update", async () => {
    const store = new InMemoryScanJobStore();
    const owner = scanJob();
    await store.save(owner);
    // Another instance reads the job and records the cancel.
    const seenElsewhere = (await store.get('scan-1')) as ScanJob;
    await changeJob(store, 'scan-1', seenElsewhere, { state: 'canceled' }, 2);
    // The owner, holding its older copy, reports a page: the cancel wins and its work stops.
    await expect(changeJob(store, 'scan-1', owner, { pages: 1 }, 3)).rejects.toBeInstanceOf(CanceledSignal);
    expect((await store.get('scan-1'))?.state).toBe('canceled');
    // Its ending (failed, completed) does not replace the cancel either.
    const ended = await changeJob(store, 'scan-1', owner, { state: 'completed' }, 4);
    expect(ended.state).toBe('canceled');
    expect((await store.get('scan-1'))?.state).toBe('canceled');
  });

  it('a change made on top of a newer, unended version is applied to that version', async () => {
    const store = new InMemoryScanJobStore();
    const stale = scanJob();
    await store.save(stale);
    await changeJob(store, 'scan-1', stale, { pages: 2 }, 2);
    const next = await changeJob(store, 'scan-1', stale, { state: 'uploading' }, 3);
    expect(next).toMatchObject({ state: 'uploading', pages: 2, updatedAt: 3 });
    expect(await store.get('scan-1')).toEqual(next);
  });

  it('replace refuses a stale expectation and accepts the current one', async () => {
    const store = new InMemoryScanJobStore();
    const job = scanJob();
    await store.save(job);
    const newer = { ...job, pages: 1, updatedAt: 2 };
    expect(await store.replace(job, newer)).toBe(true);
    expect(await store.replace(job, { ...job, pages: 9 })).toBe(false);
    expect((await store.get('scan-1'))?.pages).toBe(1);
  });
});
