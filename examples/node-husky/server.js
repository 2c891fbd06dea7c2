'use strict';
// An npm app whose package.json has "prepare": "husky" (husky is a dev
// dependency) and a postinstall that needs the sources: neither may break
// the production install.
const http = require('http');
const ms = require('ms');
const config = require('./server-config.json');

const has = (m) => { try { require.resolve(m); return true; } catch { return false; } };

http.createServer((req, res) => {
  res.setHeader('content-type', 'text/plain');
  if (req.url === '/dev') return res.end(`husky:${has('husky')} prettier:${has('prettier')}\n`);
  res.end(`${config.greeting}, notes kept ${ms(7 * 24 * 3600 * 1000, { long: true })}\n`);
}).listen(Number(process.env.PORT) || 3000);
