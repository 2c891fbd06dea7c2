"""Flask + requests example for slimfront: no signal handler on purpose
(the image must still stop on SIGTERM), no calls to outside services."""
import os
import ssl
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import requests
from flask import Flask

PORT = int(os.environ.get("PORT", "8080"))
app = Flask(__name__)


@app.get("/")
def hello():
    return f"hello from flask {sys.version_info.major}.{sys.version_info.minor}\n"


@app.get("/tz")
def tz():
    now = datetime(2025, 1, 15, 12, 0, tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Europe/Paris"))
    return now.strftime("Europe/Paris %Y-%m-%d %H:%M:%S %Z\n")


@app.get("/certs")
def certs():
    n = len(ssl.create_default_context().get_ca_certs())
    return f"system roots: {n}\n"


@app.get("/self")
def self_call():
    # requests (with urllib3, idna, certifi, charset-normalizer) calling this server
    r = requests.get(f"http://127.0.0.1:{PORT}/", timeout=5)
    return f"requests {requests.__version__}: {r.status_code} {r.text}"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=PORT)
