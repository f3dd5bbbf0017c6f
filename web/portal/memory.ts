/**
 * The plaintext of the key created last in this page, kept in memory (never in storage) so
 * "try it" can use it right away. Reloading the page forgets it, as it should.
 */
let lastKey = '';

/** Remembers a key just created. */
export function rememberKey(key: string): void {
  lastKey = key;
}

/** The key created last in this page, or ''. */
export function rememberedKey(): string {
  return lastKey;
}
