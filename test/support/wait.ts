/** Polls `probe` until it returns a truthy value or `timeoutMs` passes (then throws with `label`). */
export async function waitUntil<T>(
  probe: () => Promise<T> | T,
  opts: { timeoutMs?: number; label?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.label ?? 'a condition'}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
