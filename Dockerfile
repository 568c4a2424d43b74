# b2bmail with every command, preview included: Debian slim, Python 3.11 and Debian's Chromium.
#
#   docker build -t b2bmail .
#   docker run --rm -v "$PWD:/work" b2bmail build examples/heavy-equipment/campaign.yaml --out out/demo
#   docker run --rm -v "$PWD:/work" b2bmail preview examples/heavy-equipment/campaign.yaml --out out/preview
#
# tools/docker_smoke.sh builds the image and runs each command in it (tests/test_packaging.py
# runs it where a Docker daemon answers).
FROM python:3.11-slim-bookworm

# Chromium for `preview` (headless, loopback only); DejaVu so screenshots have real glyphs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
ENV B2BMAIL_CHROMIUM=/usr/bin/chromium \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

COPY . /opt/b2bmail-src
RUN pip install "/opt/b2bmail-src[preview,send]" \
    && cp -r /opt/b2bmail-src/examples /opt/b2bmail-examples \
    && rm -rf /opt/b2bmail-src

# Not root: b2bmail writes only where it is told to, into the mounted folder.
RUN useradd --create-home --uid 1000 b2bmail
USER b2bmail
WORKDIR /work
ENTRYPOINT ["b2bmail"]
CMD ["--help"]
