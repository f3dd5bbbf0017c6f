/** The commented keyward.yaml that `keyward init` writes. */
export const INIT_CONFIG_YAML = `# keyward.yaml — see docs/configuration.md for every option.
# \${NAME} and \${NAME:-default} are read from the environment (and from .env beside this file
# when you start with: set -a; . ./.env; set +a).

server:
  host: 0.0.0.0
  port: \${PORT:-8080}
  trustProxy: false          # or a list of CIDR ranges of your load balancers
  bodyLimit: 1mb
  requestTimeout: 30s

storage:
  url: "sqlite:./data/keyward.db"   # or postgres://user:pass@host/db

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
