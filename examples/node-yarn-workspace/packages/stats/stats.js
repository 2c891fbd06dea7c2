'use strict';
// The stats service of the Yarn 4 workspace: bytes is its dependency only,
// so an image of the api must not hold it.
const http = require('http');
const bytes = require('bytes');
const { term } = require('@glossary/words');

http.createServer((req, res) => {
  res.end(`${term('entry', 4)}, index of ${bytes(2048)}\n`);
}).listen(Number(process.env.PORT) || 3001);
