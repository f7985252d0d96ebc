#!/usr/bin/env bash
# Points the major tag (v1 for v1.4.2) at the release TAG, so `uses: OWNER/model-eval-action@v1`
# users get it, and pushes it to REMOTE when one is given. Pre-releases leave the major tag alone,
# and so does a release older than the newest of its major (a v1.2.1 backport after v1.3.0).
#
# Usage: scripts/release/move-major-tag.sh TAG [REMOTE]
set -euo pipefail
tag=${1:?usage: move-major-tag.sh TAG [REMOTE]}
remote=${2:-}

if [[ ! $tag =~ ^v([0-9]+)\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "$tag is not a version tag." >&2
  exit 1
fi
major=v${BASH_REMATCH[1]}
if [[ -n ${BASH_REMATCH[2]} ]]; then
  echo "$tag is a pre-release: $major stays where it is."
  exit 0
fi
newest=$(git tag --list "$major.*" | grep -E '^v[0-9]+\.[0-9]+\.[0-9]+$' | sort -V | tail -n 1)
if [[ $newest != "$tag" ]]; then
  echo "$newest is newer than $tag: $major stays on $newest."
  exit 0
fi
commit=$(git rev-parse "refs/tags/$tag^{commit}")
# A lightweight tag: the release tag itself carries the message and signature.
git tag --force "$major" "$commit" >/dev/null
if [[ -n $remote ]]; then
  git push --force --quiet "$remote" "refs/tags/$major"
fi
echo "$major -> $tag ($commit)"
