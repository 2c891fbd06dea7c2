"""falcon + gunicorn "hi" service for slimfront; the greeting comes from a git dependency."""
import falcon
import slim_greeting


class Hi:
    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = slim_greeting.greet("falcon") + "\n"


class Version:
    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = f"falcon {falcon.__version__} slim-greeting {slim_greeting.__version__}\n"


app = falcon.App()
app.add_route("/", Hi())
app.add_route("/version", Version())
