/**
 * Checks of a route's `upstream` the schema cannot express: exactly one of `url` and
 * `targets`; targets that are replicas of one API (same path and query, distinct hosts); and
 * a WebSocket route that can actually receive the upgrade (a GET).
 */
import type { ConfigProblem } from './problems.js';
import type { RouteConfig } from './schema.js';

/** Problems in `routes[index].upstream`. */
export function upstreamProblems(route: RouteConfig, index: number): ConfigProblem[] {
  const at = `routes[${index}].upstream`;
  const { url, targets, healthCheck } = route.upstream;
  const problems: ConfigProblem[] = [];
  if (url === undefined && targets === undefined) {
    problems.push({ path: `${at}.url`, message: 'is required (or give targets: [{ url, weight }])' });
  } else if (url !== undefined && targets !== undefined) {
    problems.push({ path: `${at}.targets`, message: 'give either url or targets, not both' });
  }
  if (targets !== undefined) {
    // Requests are confined to one base path, so every target must serve the same one.
    const first = new URL(targets[0]?.url ?? 'http://x');
    const seen = new Set<string>();
    targets.forEach((target, i) => {
      const parsed = new URL(target.url);
      if (parsed.pathname !== first.pathname || parsed.search !== first.search) {
        problems.push({
          path: `${at}.targets[${i}].url`,
          message: `must have the same path and query as targets[0] (${first.pathname}${first.search})`,
        });
      }
      if (seen.has(parsed.origin)) {
        problems.push({ path: `${at}.targets[${i}].url`, message: `${parsed.origin} is listed twice` });
      }
      seen.add(parsed.origin);
    });
  }
  if (route.upstream.websocket !== false && !route.methods.includes('GET')) {
    problems.push({
      path: `routes[${index}].methods`,
      message: 'a websocket route needs GET (the upgrade is a GET)',
    });
  }
  if (healthCheck !== undefined && healthCheck.passive === undefined && healthCheck.active === undefined) {
    problems.push({ path: `${at}.healthCheck`, message: 'expected passive: {…}, active: {…} or both' });
  }
  return problems;
}
