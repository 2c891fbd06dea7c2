"""Answers GET / with what the C extension module says (its CPU)."""
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

import hellocext


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = (hellocext.greet() + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


HTTPServer(("", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
