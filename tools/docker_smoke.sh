#!/usr/bin/env bash
# Smoke test of the Docker image: build it, then run every job in it on the example campaign,
# writing into a temporary folder mounted at /work. Needs a running Docker daemon.
#
#   tools/docker_smoke.sh            # image tag b2bmail:smoke
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${B2BMAIL_DOCKER_TAG:-b2bmail:smoke}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r examples "$work/examples"
chmod -R a+rwX "$work"

docker build --quiet --tag "$tag" . >/dev/null
run() { docker run --rm --network none -v "$work:/work" "$tag" "$@"; }

run --version
run build examples/heavy-equipment/campaign.yaml --out out/demo
run lint out/demo --format github || [ $? -eq 1 ]
run segment examples/heavy-equipment/recipients.csv --segments examples/heavy-equipment/segments.yaml >/dev/null || [ $? -eq 1 ]
run rules >/dev/null
run preview examples/heavy-equipment/campaign.yaml --out out/preview
test -s "$work/out/preview/index.html"
run init out/new-campaign
run build out/new-campaign/campaign.yaml --out out/new-build
echo "docker smoke test passed ($tag)"
