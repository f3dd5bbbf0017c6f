/**
 * What package.json says about Keyward, read once: the version (`keyward --version`, the
 * OpenAPI document) and the Node.js range from `engines`, so neither is written twice.
 */
import { createRequire } from 'node:module';

interface PackageJson {
  name: string;
  version: string;
  engines: { node: string };
}

const pkg = createRequire(import.meta.url)('../package.json') as PackageJson;

/** Keyward's version, from package.json. */
export const KEYWARD_VERSION: string = pkg.version;

/** The Node.js versions Keyward runs on, e.g. `>=22.16.0` (package.json `engines.node`). */
export const REQUIRED_NODE_RANGE: string = pkg.engines.node;
