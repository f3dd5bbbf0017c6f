/** The commented keyward.yaml that `keyward init` writes. */
export const INIT_CONFIG_YAML = `# keyward.yaml — see docs/configuration.md for every option.
# \${NAME} and \${NAME:-default} are read from the environment; the .env file beside this one
# fills in any that are not set. Relative paths are relative to this file.

server:
  host: 0.0.0.0
  port: \${PORT:-8080}
  trustProxy: false          # or a list of CIDR ranges of your load balancers
  bodyLimit: 1mb
  requestTimeout: 30s

storage:
  url: "sqlite:./state/keyward.db"  # or postgres://user:pass@host/db

secrets:
  masterKey: "\${KEYWARD_MASTER_KEY}" # 32 bytes, base64; keep it out of git

auth:
  apiKeys: { prefix: kw, header: x-api-key, bearer: true, basic: true, queryParam: false }

# Browser origins allowed to call Keyward.
# cors: { origins: [https://app.example.com], credentials: false, maxAge: 10m }

# plans:
#   free: { limits: [{ requests: 5, per: day }] }

# routes:
#   - name: weather
#     path: /weather/*
#     methods: [GET]
#     auth: [apiKey]
#     upstream:
#       url: https://api.example-weather.com/v2
#       timeout: 10s
#       inject: { query: { appid: "\${secret:weather}" } }

admin: { path: /admin/v1, roles: [admin] }
`;
