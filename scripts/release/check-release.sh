#!/usr/bin/env bash
# Checks that TAG can be released: a version tag (vMAJOR.MINOR.PATCH, optionally -PRERELEASE), on a
# commit that MAIN (default origin/main) contains, with a CHANGELOG.md section. The release workflow
# runs it before anything is published; `pnpm check-dist` (dist/ is a fresh build) runs beside it.
#
# Usage: scripts/release/check-release.sh TAG [MAIN]
set -euo pipefail
tag=${1:?usage: check-release.sh TAG [MAIN]}
main=${2:-origin/main}
here=$(dirname "$0")

if [[ ! $tag =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "$tag is not a version tag (vMAJOR.MINOR.PATCH or vMAJOR.MINOR.PATCH-PRERELEASE)." >&2
  exit 1
fi
commit=$(git rev-parse --verify --quiet "refs/tags/$tag^{commit}") || {
  echo "No tag $tag in this repository." >&2
  exit 1
}
if ! git merge-base --is-ancestor "$commit" "$main"; then
  echo "$tag ($commit) is not on $main: release from a commit that landed there." >&2
  exit 1
fi
node "$here/release-notes.mjs" "$tag" CHANGELOG.md >/dev/null
echo "$tag ($commit) can be released."
