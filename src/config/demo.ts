/**
 * The built-in demo config `keyward start` runs when there is no --config and no ./keyward.yaml.
 * It goes through the same loader as a user's file, so it is validated like one.
 */
export const DEMO_CONFIG_YAML = `# Keyward built-in demo: embedded SQLite in ./data, admin API on /admin/v1.
server:
  host: \${HOST:-0.0.0.0}
  port: \${PORT:-8080}
storage:
  url: sqlite:./data/keyward.db
auth:
  apiKeys: { prefix: kw }
services:
  time: { path: /v1/time, auth: [apiKey] }
  primes: { path: /v1/primes, auth: [apiKey], maxBits: 4096, rateLimit: [{ requests: 60, per: minute, by: key }] }
  # Reading places is public (the map at /map shows them); adding needs an editor or admin key.
  places: { path: /v1/places, auth: [apiKey], roles: { write: [editor, admin] }, map: /map }
cors: { origins: ["http://localhost:5173", "http://localhost:8080"] }
routes:
  # A secret-hiding proxy route to the built-in echo upstream: call it with your key and see
  # the upstream receive X-Upstream-Key, which the gateway masks in anything echoed back.
  - name: echo
    path: /demo/echo/*
    auth: [apiKey]
    upstream:
      url: \${KEYWARD_DEMO_ECHO_URL:-http://127.0.0.1:9}
      timeout: 5s
      inject: { header: { X-Upstream-Key: "\${KEYWARD_DEMO_UPSTREAM_KEY:-demo-upstream-secret-0001}" } }
admin: { path: /admin/v1, roles: [admin] }
`;
