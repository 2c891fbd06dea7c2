"""Run with `pip install -r requirements/dev.txt && pytest`."""
from app import app


def test_index_reports_versions():
    body = app.test_client().get("/").get_data(as_text=True)
    assert body.startswith("layered requirements: flask 3.1.1")
