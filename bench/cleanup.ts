/** Everything the bench started, released newest first on every path (also on Ctrl-C). */
export class Cleanup {
  private readonly steps: Array<{ what: string; release: () => Promise<unknown> | unknown }> = [];

  add(what: string, release: () => Promise<unknown> | unknown): void {
    this.steps.push({ what, release });
  }

  async releaseAll(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.release();
      } catch (err) {
        console.error(`cleanup: ${step.what} failed:`, err);
      }
    }
  }
}
