#!/usr/bin/env bash
# The whole test suite: static checks, the dist/ check, unit tests, then the integration and
# end-to-end tests against a real Slurm cluster that this script brings up on loopback (needs root
# on Debian/Ubuntu: it installs and starts munge, MariaDB, slurmdbd, slurmctld, slurmd and sshd).
set -euo pipefail
cd "$(dirname "$0")/.."

reports=$(mktemp -d)
step() { printf '\n== %s\n' "$*"; }

step typecheck
pnpm -s typecheck
step lint
pnpm -s lint
step 'workflows and action.yml (actionlint, schema)'
pnpm -s lint:workflows
step 'dist/ matches a fresh build'
pnpm -s build
if ! git diff --quiet -- dist; then
  git --no-pager diff --stat -- dist
  echo "dist/ differs from a fresh 'pnpm build': rebuild and commit it." >&2
  exit 1
fi
if [ -n "$(git status --porcelain -- dist)" ]; then
  git status --short -- dist
  echo "dist/ has files a fresh build adds or no longer makes: commit the rebuilt dist/." >&2
  exit 1
fi

# The chart and comment rendering tests draw them with Mermaid in Debian's headless Chromium.
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

step 'unit tests'
pnpm -s vitest run --project unit --reporter=default --reporter=json --outputFile="$reports/unit.json"

# The training callback (integrations/python, stdlib only) against the GitHub emulator over HTTP.
step 'Python tests (training callback)'
if ! command -v python3 >/dev/null; then
  # A bare Debian image has no Python; the callback's users have one, so install the plain package.
  apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 >/dev/null
fi
python_status=0
python3 test/python/run.py --json "$reports/python.json" || python_status=$?
# A run that died before writing its totals still counts, as one failure.
[ -f "$reports/python.json" ] ||
  echo '{"numPassedTests":0,"numFailedTests":1,"numPendingTests":0,"numTodoTests":0}' >"$reports/python.json"

step 'test cluster up'
bash test/cluster/up.sh
if [ "${KEEP_CLUSTER:-}" != 1 ]; then trap 'bash test/cluster/down.sh || true' EXIT; fi

step 'integration and end-to-end tests (real cluster)'
status=0
pnpm -s vitest run --project integration --reporter=default --reporter=json \
  --outputFile="$reports/integration.json" || status=$?

# Clusters without slurmdbd exist: the same cluster again with accounting off, for the tests that
# watch, reattach and collect through squeue and scontrol alone.
step 'integration tests on the cluster without accounting (no slurmdbd)'
bash test/cluster/down.sh
bash test/cluster/up.sh --no-accounting
pnpm -s vitest run --project integration --reporter=default --reporter=json \
  --outputFile="$reports/no-accounting.json" \
  test/integration/cluster.test.ts test/integration/slurm-jobs.test.ts test/integration/cli-detached.test.ts \
  test/integration/two-node-cluster.test.ts ||
  status=$?

# One plain closing line over every run, so CI can read the totals whatever the runner.
node -e '
  let passed = 0, failed = 0, skipped = 0;
  for (const file of process.argv.slice(1)) {
    const r = JSON.parse(require("fs").readFileSync(file, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
  }
  if (passed + failed === 0) { console.error("no test ran"); process.exit(1); }
  console.log(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
' "$reports/unit.json" "$reports/python.json" "$reports/integration.json" "$reports/no-accounting.json"
if [ "$status" -eq 0 ]; then status=$python_status; fi
exit "$status"
