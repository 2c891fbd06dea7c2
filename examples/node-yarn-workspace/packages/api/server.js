'use strict';
// The api of a Yarn 4 workspace (node-modules linker): it uses the
// workspace package @glossary/words and ms; kleur is a dev dependency and
// bytes belongs to the stats service, so neither is in its image.
const http = require('http');
const ms = require('ms');
const { term } = require('@glossary/words');

const has = (m) => { try { require.resolve(m); return true; } catch { return false; } };

http.createServer((req, res) => {
  res.setHeader('content-type', 'text/plain');
  if (req.url === '/others') return res.end(`kleur:${has('kleur')} bytes:${has('bytes')}\n`);
  res.end(`${term('entry', 4)}, cached ${ms(ms('1d'), { long: true })}\n`);
}).listen(Number(process.env.PORT) || 3000);
