"""A tiny HTTP service reporting which libpq psycopg2 was compiled with and which one it loaded."""
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2
import psycopg2.extensions


def pq(v):
    # libpq encodes versions as major * 10000 + minor for 10 and later
    return "%d.%d" % (v // 10000, v % 10000)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/":
            self.send_error(404)
            return
        body = "psycopg2 %s: libpq built %s, loaded %s\n" % (
            psycopg2.__version__.split()[0], pq(psycopg2.__libpq_version__), pq(psycopg2.extensions.libpq_version()))
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("", int(os.environ.get("PORT", "8000"))), Handler).serve_forever()
