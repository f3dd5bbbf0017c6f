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
admin: { path: /admin/v1, roles: [admin] }
`;
