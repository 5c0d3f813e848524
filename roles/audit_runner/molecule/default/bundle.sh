#!/usr/bin/env bash
# Bundle for a lab host: the repository's tracked files, the locked runtime packages installed
# for CPython 3.11 on manylinux x86_64 (from uv's cache, the package index for what it lacks), and a
# .venv/bin/kentops that runs them with the host's python3.
set -euo pipefail
out=$1
repo=$(cd "$(dirname "$0")/../../../.." && pwd)
work=$(mktemp -d)
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT
git -C "$repo" archive --format=tar HEAD | tar -x -C "$work"
uv export --project "$repo" --frozen --no-dev --no-hashes --no-emit-project -q -o "$work/requirements.txt"
uv pip install --quiet --target "$work/.venv/site" --python-version 3.11 \
  --python-platform x86_64-manylinux_2_36 -r "$work/requirements.txt"
uv pip install --quiet --no-deps --target "$work/.venv/site" --python-version 3.11 \
  --python-platform x86_64-manylinux_2_36 "$work"
mkdir -p "$work/.venv/bin"
cat >"$work/.venv/bin/kentops" <<'SH'
#!/bin/sh
here=$(dirname "$(readlink -f "$0")")
PYTHONPATH="$here/../site" exec python3 -c 'import sys; from kentops.cli import main; sys.argv[0] = "kentops"; main()' "$@"
SH
chmod 0755 "$work/.venv/bin/kentops"
tar -C "$work" -cf "$out" .
