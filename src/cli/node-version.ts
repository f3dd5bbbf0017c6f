/**
 * The Node.js version check the `keyward` entry runs before loading anything else: an older
 * Node fails at the first `node:sqlite` import with a stack trace, so this names the version
 * needed and how to get it instead. Only `>=X.Y.Z` ranges are understood (what package.json
 * uses); this file must stay free of imports that an old Node cannot load.
 */

/** Parses `>=22.16.0` into [22, 16, 0]; anything else is a programming error. */
export function minimumNodeVersion(range: string): [number, number, number] {
  const match = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(range.trim());
  if (!match) throw new Error(`engines.node must be ">=X.Y.Z", got "${range}"`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** The one-line reason this Node cannot run Keyward, or null when it can. */
export function nodeVersionProblem(current: string, range: string): string | null {
  const minimum = minimumNodeVersion(range);
  const parts = current.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const have = parts[i] ?? 0;
    const need = minimum[i] ?? 0;
    if (have > need) return null;
    if (have < need) {
      const wanted = minimum.join('.');
      return (
        `keyward: needs Node.js ${wanted} or newer, but this is Node.js ${current.replace(/^v/, '')}; ` +
        `install a current Node.js (https://nodejs.org, or \`nvm install 24\`) and run it again`
      );
    }
  }
  return null;
}
