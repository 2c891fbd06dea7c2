"""A service that needs Python < 3.13 (pyproject.toml's requires-python) and
pins 3.11 in .python-version, as pyenv and uv write it. slim.toml names no
version: the image's interpreter follows .python-version. GET / reports the
interpreter; /modules imports the stdlib's extension modules (their shared
libraries must be in the image)."""
import os
import sys

from flask import Flask

PORT = int(os.environ.get("PORT", "8080"))
app = Flask(__name__)


@app.get("/")
def version():
    return f"python {sys.version}\n"


@app.get("/modules")
def modules():
    import bz2, ctypes, decimal, hashlib, lzma, sqlite3, ssl, uuid, zlib  # noqa: E401
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris").key
    return (f"sqlite {sqlite3.sqlite_version}, {ssl.OPENSSL_VERSION}, zlib {zlib.ZLIB_VERSION}, "
            f"decimal {decimal.__version__}, lzma+bz2+ctypes+uuid ok, sha3 {hashlib.sha3_256(b'').hexdigest()[:8]}, {paris}\n")


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=PORT)
