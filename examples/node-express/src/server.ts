// express app compiled by the build script (tsc, a dev dependency) into
// dist/server.js; only express reaches the image.
import express from "express";

const app = express();
const port = Number(process.env.PORT) || 3000;
const greeting: string = "hello";

app.get("/", (_req, res) => {
  res.type("text/plain").send(`${greeting} from express on node ${process.version}\n`);
});

app.get("/env", (_req, res) => {
  res.type("text/plain").send(`NODE_ENV=${process.env.NODE_ENV}\n`);
});

app.listen(port, () => console.log(`listening on ${port}`));
