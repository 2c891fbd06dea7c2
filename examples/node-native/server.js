// A native addon: better-sqlite3 compiles SQLite and its binding
// (build/Release/better_sqlite3.node) with node-gyp in the builder; the final
// image must load it (on scratch: with exactly the libraries it needs).
'use strict';
const http = require('http');
const Database = require('better-sqlite3');

const db = new Database(':memory:');
db.exec('CREATE TABLE visits (id INTEGER PRIMARY KEY, at TEXT)');
const insert = db.prepare("INSERT INTO visits (at) VALUES (datetime('now'))");
const count = db.prepare('SELECT count(*) AS n FROM visits');
const port = Number(process.env.PORT) || 3000;

http.createServer((req, res) => {
  if (req.url !== '/') {
    res.writeHead(404).end('not found\n');
    return;
  }
  insert.run();
  const { n } = count.get();
  const version = db.prepare('SELECT sqlite_version() AS v').get().v;
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`sqlite ${version} via better-sqlite3: ${n} visit(s)\n`);
}).listen(port, () => console.log(`listening on ${port}`));
