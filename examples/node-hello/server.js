// The app of seed 002 ("Docker Image Optimization"), with the http module:
// one page on port 3000 (or $PORT). No signal handler on purpose: the image
// must still stop promptly on SIGTERM (slimfront preloads one).
'use strict';
const http = require('http');
const tls = require('tls');

const port = Number(process.env.PORT) || 3000;

const routes = {
  '/': () => 'Hello World! (node ' + process.version + ')\n',
  // Time zone data: node's ICU carries its own, no /usr/share/zoneinfo needed.
  '/tz': () => {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZoneName: 'short',
    }).formatToParts(new Date());
    const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
    return `Europe/Paris ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName}\n`;
  },
  '/certs': () => 'root certificates: ' + tls.rootCertificates.length + '\n',
};

http.createServer((req, res) => {
  const route = routes[req.url];
  if (!route) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(route());
}).listen(port, () => console.log(`Example app listening on port ${port}!`));
