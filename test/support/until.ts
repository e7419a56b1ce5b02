export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Asks `check` every 25 ms until it gives something truthy, and returns that; a check that throws
 * counts as "not yet". Fails naming `what` after `ms`.
 */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
