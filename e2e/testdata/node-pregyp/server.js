const http = require('http');
const bcrypt = require('bcrypt');
const h = bcrypt.hashSync('x', 4);
http.createServer((q, r) => r.end('bcrypt ok: ' + bcrypt.compareSync('x', h) + '\n')).listen(process.env.PORT || 3000);
