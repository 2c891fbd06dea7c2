"""A bottle app whose dependencies are locked with poetry: only the main group
reaches the image, so the dev group's pytest must not be importable."""
import importlib.util
import os

import bottle

app = bottle.Bottle()


@app.get("/")
def index():
    dev = "present" if importlib.util.find_spec("pytest") else "absent"
    return "hello from poetry, bottle %s, pytest %s\n" % (bottle.__version__, dev)


if __name__ == "__main__":
    bottle.run(app, host="0.0.0.0", port=int(os.environ.get("PORT", "8080")), quiet=True)
