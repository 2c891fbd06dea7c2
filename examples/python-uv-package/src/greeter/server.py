"""greeter-serve: answers with where the package was imported from, which
shows it is the installed copy in the venv, not the sources in /app/src."""
import importlib.util
import os

import bottle

import greeter

app = bottle.Bottle()


@app.get("/")
def index():
    dev = "present" if importlib.util.find_spec("pytest") else "absent"
    return "hello from greeter %s in %s, pytest %s\n" % (greeter.__version__, os.path.dirname(greeter.__file__), dev)


def main():
    bottle.run(app, host="0.0.0.0", port=int(os.environ.get("PORT", "8080")), quiet=True)
