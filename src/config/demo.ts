/**
 * The built-in demo config `keyward start` runs when there is no --config, no $KEYWARD_CONFIG
 * and no ./keyward.yaml. It goes through the same loader as a user's file, so it is validated
 * like one. Its master key comes from ./data/master.key, made on first use (demo/master-key.ts).
 */
export const DEMO_CONFIG_YAML = `# Keyward built-in demo: embedded SQLite in ./data, admin API on /admin/v1.
server:
  host: \${HOST:-0.0.0.0}
  port: \${PORT:-8080}
storage:
  url: sqlite:./data/keyward.db
secrets:
  masterKey: \${KEYWARD_DEMO_MASTER_KEY}
auth:
  apiKeys: { prefix: kw }
  # Local users log in at POST /auth/login; the first start creates the user "demo".
  jwt:
    local: { issuer: keyward, accessTtl: 15m, refreshTtl: 30d }
plans:
  # A key created with --plan free may make 5 requests a day, whatever it calls.
  free: { limits: [{ requests: 5, per: day }] }
services:
  time: { path: /v1/time, auth: [apiKey, jwt] }
  primes: { path: /v1/primes, auth: [apiKey, jwt], maxBits: 4096, rateLimit: [{ requests: 60, per: minute, by: key }] }
  # Reading places is public (the map at /map shows them); adding needs an editor or admin.
  places: { path: /v1/places, auth: [apiKey, jwt], roles: { write: [editor, admin] }, map: /map }
cors: { origins: ["http://localhost:5173", "http://localhost:8080"] }
routes:
  # A secret-hiding proxy route to the built-in echo upstream: call it with your key and see
  # the upstream receive X-Upstream-Key, which the gateway masks in anything echoed back.
  - name: echo
    path: /demo/echo/*
    auth: [apiKey, jwt]
    upstream:
      url: \${KEYWARD_DEMO_ECHO_URL:-http://127.0.0.1:9}
      timeout: 5s
      inject: { header: { X-Upstream-Key: "\${KEYWARD_DEMO_UPSTREAM_KEY:-demo-upstream-secret-0001}" } }
admin: { path: /admin/v1, roles: [admin] }
`;
