/**
 * Builds the dashboard (web/ui) and the developer portal (web/portal) with Vite into
 * dist/web/ui and dist/web/portal, which Keyward serves at /ui and /portal. Two builds in one
 * process, so each app has its own assets folder and the pair takes about as long as one.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

for (const app of ['ui', 'portal']) {
  await build({
    configFile: false,
    root: `${here}${app}`,
    // Relative URLs: the page works under /ui/ or /portal/ without knowing where it is mounted.
    base: './',
    logLevel: 'warn',
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    build: {
      outDir: `${here}../dist/web/${app}`,
      emptyOutDir: true,
      // The CSP allows no inline script: never inline small assets as data: scripts.
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      target: 'es2022',
      reportCompressedSize: false,
    },
  });
}
