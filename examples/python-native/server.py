"""Compiled extensions on scratch: orjson (Rust) serializes the answer, and pyzmq's extension loads
libzmq (C++, vendored in pyzmq.libs by auditwheel), which loads libstdc++ and libgcc_s from the image.
Standard-library HTTP server, no signal handler (the image must still stop on SIGTERM)."""
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import zmq


def zmq_roundtrip(msg: bytes) -> bytes:
    ctx = zmq.Context.instance()
    a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
    try:
        a.bind("inproc://slim")
        b.connect("inproc://slim")
        a.send(msg)
        return b.recv()
    finally:
        a.close(linger=0)
        b.close(linger=0)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/":
            self.send_error(404)
            return
        body = orjson.dumps({
            "hello": "from compiled extensions",
            "zmq": zmq_roundtrip(b"ping over libzmq").decode(),
            "libzmq": zmq.zmq_version(),
            "orjson": orjson.__version__,
        }, option=orjson.OPT_SORT_KEYS) + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
