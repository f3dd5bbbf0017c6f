// Fallback upstream when nginx is not installed: node:http with the same two answers.
import { createServer } from 'node:http';

const small = Buffer.from('{"hello":"world","n":42,"items":[1,2,3],"note":"a small JSON answer"}\n');
const big = Buffer.alloc(1 << 20, 'x');
const server = createServer((req, res) => {
  const body = req.url === '/hello' ? small : req.url === '/1mb' ? big : null;
  if (!body) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2]), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
