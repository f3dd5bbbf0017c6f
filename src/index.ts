/**
 * `import … from 'keyward'`: what a Node.js app can use without running the gateway — the
 * API-key format (generate, check, digest) and a verifier for keys issued by a Keyward gateway.
 * The gateway itself is the `keyward` command.
 */
export {
  checkKeyFormat,
  digestApiKey,
  generateApiKey,
  type KeyFormatProblem,
} from './auth/keys/format.js';
export {
  type KeyCaller,
  type KeyCheck,
  type KeyFailure,
  type KeyVerifier,
  type KeyVerifierOptions,
  type KeyView,
  openKeyVerifier,
} from './embed/key-verifier.js';
export { KEYWARD_VERSION } from './package-info.js';
