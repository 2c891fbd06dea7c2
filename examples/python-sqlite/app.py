"""Counts visits in a SQLite file under data/, which slim.toml declares in
[run] writable: the image runs as a non-root user that owns that directory
and nothing else in /app."""
import os
import sqlite3
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "visits.db")


def connect():
    db = sqlite3.connect(DB)
    db.execute("CREATE TABLE IF NOT EXISTS visits (id INTEGER PRIMARY KEY)")
    return db


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        with connect() as db:
            db.execute("INSERT INTO visits DEFAULT VALUES")
            n = db.execute("SELECT count(*) FROM visits").fetchone()[0]
        st = os.stat(DB)
        body = "visit %d, %s owned by uid %d, written as uid %d\n" % (n, os.path.relpath(DB), st.st_uid, os.getuid())
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    connect().close()  # at start-up, as apps that migrate on boot do
    ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
