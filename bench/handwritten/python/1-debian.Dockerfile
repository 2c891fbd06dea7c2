# Seed 000/004 (hatedabamboo), level 1 "Common" (571 MB), which is also seed 001's
# "single image" technique: one stage, the distribution's Python and pip, git left
# in the image.
# Adapted: ubuntu:latest -> debian:13 (no Ubuntu image here); git added to the
# apt line as in seed 001 (python-falcon has a git dependency); CMD is the seed's
# and is not exercised by bench (it measures builds); apps without a
# requirements.txt (pyproject + uv.lock) fail here, as they would with the seed.
FROM debian:13
RUN apt-get update && apt-get install -y python3 python3-pip git
COPY . /app
WORKDIR /app
RUN pip install --break-system-packages -r requirements.txt
CMD ["python3", "app.py"]
