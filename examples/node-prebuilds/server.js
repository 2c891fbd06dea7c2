// Two native addons that ship prebuilt binaries instead of compiling:
// bcrypt (one .node per platform and C library, picked at load time) and
// sharp (an optional package per platform, with libvips bundled next to it).
const http = require("http");
const bcrypt = require("bcrypt");
const sharp = require("sharp");

const port = Number(process.env.PORT || 3000);

async function answer(path) {
  if (path === "/bcrypt") {
    const hash = await bcrypt.hash("correct horse", 4);
    const ok = await bcrypt.compare("correct horse", hash);
    const bad = await bcrypt.compare("wrong horse", hash);
    return `bcrypt ${require("bcrypt/package.json").version}: ${ok && !bad ? "verified" : "BROKEN"} ${hash.slice(0, 7)}\n`;
  }
  if (path === "/sharp") {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#3366cc" } }).png().toBuffer();
    const meta = await sharp(png).metadata();
    return `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}): made a ${meta.width}x${meta.height} ${meta.format}\n`;
  }
  if (path === "/") {
    return (await answer("/bcrypt")) + (await answer("/sharp"));
  }
  return null;
}

http.createServer((req, res) => {
  answer(req.url).then((body) => {
    res.writeHead(body === null ? 404 : 200, { "Content-Type": "text/plain; charset=utf-8" });
    res.end(body === null ? "not found\n" : body);
  }, (err) => {
    res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
    res.end(`error: ${err.message}\n`);
  });
}).listen(port, () => console.log(`listening on ${port}`));
