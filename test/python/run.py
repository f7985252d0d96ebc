"""Runs the Python tests and, with --json PATH, writes their totals in the shape of vitest's JSON
report (numPassedTests, numFailedTests, ...), so scripts/test-all.sh adds them to its closing line.

    python3 test/python/run.py [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import unittest
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", help="write the totals here")
    options = parser.parse_args()
    here = Path(__file__).resolve().parent
    suite = unittest.defaultTestLoader.discover(str(here), top_level_dir=str(here))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped) + len(result.expectedFailures)
    if options.json:
        Path(options.json).write_text(json.dumps({
            "numPassedTests": result.testsRun - failed - skipped,
            "numFailedTests": failed,
            "numPendingTests": skipped,
            "numTodoTests": 0,
        }))
    if result.testsRun == 0:
        print("no Python test ran", file=sys.stderr)
        return 1
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
