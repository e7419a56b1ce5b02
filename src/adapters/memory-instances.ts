import { randomUUID } from 'node:crypto';
import type { RunningInstances } from '../domain/ports.js';

/**
 * A single instance with in-memory jobs: its jobs die with it, so no other instance's job can be
 * asked about; only this process counts as alive.
 */
export class SingleInstance implements RunningInstances {
  readonly id = randomUUID();

  async alive(id: string): Promise<boolean> {
    return id === this.id;
  }
}
