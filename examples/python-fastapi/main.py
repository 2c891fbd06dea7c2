"""A FastAPI service as `slim init` finds it: a module-level ASGI app
object, served by uvicorn. GET / says which versions run it; POST /quote
validates its JSON body with pydantic."""
import sys
from importlib import metadata

from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI(title="quotes")


class Order(BaseModel):
    item: str = Field(min_length=1)
    quantity: int = Field(gt=0)
    unit_cents: int = Field(ge=0)


@app.get("/")
def index():
    return {
        "service": "quotes",
        "fastapi": metadata.version("fastapi"),
        "uvicorn": metadata.version("uvicorn"),
        "python": "%d.%d" % sys.version_info[:2],
    }


@app.post("/quote")
def quote(order: Order):
    return {"item": order.item, "total_cents": order.quantity * order.unit_cents}
