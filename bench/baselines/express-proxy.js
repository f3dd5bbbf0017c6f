// Baseline: Express 5 + http-proxy-middleware + express-rate-limit, assembled the way their
// READMEs show: a key check middleware, a (huge) per-key limit, then the proxy.
// argv: port upstreamUrl apiKey
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import { createProxyMiddleware } from 'http-proxy-middleware';

const [port, upstream, apiKey] = process.argv.slice(2);
const validKeys = new Set([apiKey]);
const app = express();
app.disable('x-powered-by');
app.use((req, res, next) => {
  if (!validKeys.has(req.get('x-api-key'))) return res.status(401).json({ error: 'invalid key' });
  next();
});
app.use(
  rateLimit({
    windowMs: 60_000,
    limit: 1_000_000_000,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => req.get('x-api-key'),
  }),
);
app.use('/api', createProxyMiddleware({ target: upstream, changeOrigin: true }));
app.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
