"""Flask + pandas + numpy reporting example for slimfront: the image on
scratch has no test suites, headers or stubs of its dependencies (trimmed by
the closure step) and still computes a report."""
import io
import os

import numpy as np
import pandas as pd
from flask import Flask

PORT = int(os.environ.get("PORT", "8080"))
app = Flask(__name__)

SALES = pd.DataFrame({
    "region": ["north", "south", "north", "east", "south", "east"],
    "units": np.array([12, 7, 30, 5, 18, 9], dtype=np.int64),
    "price": [2.5, 4.0, 2.5, 10.0, 4.0, 10.0],
})


@app.get("/")
def report():
    df = SALES.assign(revenue=SALES["units"] * SALES["price"])
    by = df.groupby("region")["revenue"].sum().sort_index()
    lines = [f"{r} {v:.2f}" for r, v in by.items()]
    return f"pandas {pd.__version__} numpy {np.__version__}\n" + "\n".join(lines) + f"\ntotal {by.sum():.2f}\n"


@app.get("/csv")
def csv():
    # pandas' C parser and numpy's linalg (OpenBLAS from numpy.libs)
    df = pd.read_csv(io.StringIO("a,b\n1,2\n3,4\n"))
    det = np.linalg.det(df.to_numpy(dtype=float))
    # numpy.testing imports numpy._core.tests._natype: trimming keeps it
    import numpy.testing
    numpy.testing.assert_allclose(det, -2.0)
    return f"det {det:.1f}\n"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=PORT)
