'use strict';
// The web service of a pnpm workspace: it uses the workspace library
// @shop/format (workspace:*) and ms; kleur is its dev dependency and lodash
// belongs to the cron service, so neither should be in its image.
const http = require('http');
const ms = require('ms');
const { cartLine } = require('@shop/format');

const has = (m) => { try { require.resolve(m); return true; } catch { return false; } };

http.createServer((req, res) => {
  res.setHeader('content-type', 'text/plain');
  if (req.url === '/others') return res.end(`kleur:${has('kleur')} lodash:${has('lodash')}\n`);
  res.end(`${cartLine(3, 1536)}, session ${ms(ms('2h'), { long: true })}\n`);
}).listen(Number(process.env.PORT) || 3000);
