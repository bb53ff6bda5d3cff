// A static file server for this page (index.html and main.js), to run it on an origin of its own:
//   node site/serve.mjs [PORT] [HOST]        (PORT 0 or none: a free one; HOST: 127.0.0.1)
// Prints its URL; open URL?server=http://127.0.0.1:8080 with the server started with
// --allowed-origin URL's origin.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';

const FILES = { '/': 'index.html', '/index.html': 'index.html', '/main.js': 'main.js' };
const TYPES = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8' };
const [port = '0', host = '127.0.0.1'] = process.argv.slice(2);

const server = createServer(async (req, res) => {
  const file = FILES[new URL(req.url, 'http://x').pathname];
  if (!file) {
    if (req.url === '/favicon.ico') res.writeHead(204).end();
    else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    return;
  }
  res.writeHead(200, { 'Content-Type': TYPES[file.split('.').pop()], 'Cache-Control': 'no-store' });
  res.end(await readFile(new URL(file, import.meta.url)));
});
server.listen(Number(port), host, () => {
  console.log(`serving http://${host}:${server.address().port}/`);
});
