"""A Flask app whose requirements are split the way many projects split
them: requirements/base.txt (shared), prod.txt and dev.txt (each
including base.txt and constraints.txt). The page reports the versions of
the packages the constraints pin and whether the test runner is installed."""
from importlib import metadata

from flask import Flask

app = Flask(__name__)


def version(dist):
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


@app.get("/")
def index():
    return "layered requirements: flask %s, werkzeug %s, markupsafe %s, gunicorn %s, pytest %s\n" % tuple(
        version(d) for d in ("flask", "werkzeug", "markupsafe", "gunicorn", "pytest"))
