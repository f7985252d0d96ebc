#!/usr/bin/env node
// Prints the CHANGELOG.md section of a release (Keep a Changelog 1.1.0: `## [1.2.0] - 2026-12-01`),
// for the GitHub release's notes. Fails when the section is missing or empty: a tag whose changes
// nobody wrote down is not released.
//
// Usage: node scripts/release/release-notes.mjs TAG [CHANGELOG]   (TAG: v1.2.0 or 1.2.0)
import { readFileSync } from 'node:fs';

const [tag, file = 'CHANGELOG.md'] = process.argv.slice(2);
if (!tag) {
  console.error('usage: release-notes.mjs TAG [CHANGELOG]');
  process.exit(2);
}
const version = tag.replace(/^v/, '');
const lines = readFileSync(file, 'utf8').split('\n');
const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const start = lines.findIndex((line) => new RegExp(`^## \\[${escaped}\\](\\s|$)`).test(line));
if (start < 0) {
  console.error(
    `${file} has no "## [${version}]" section. Move the Unreleased entries under "## [${version}] - YYYY-MM-DD" and tag again.`,
  );
  process.exit(1);
}
const rest = lines.slice(start + 1);
// The section ends at the next release heading or at the link references that close the file.
const end = rest.findIndex((line) => /^## \[/.test(line) || /^\[[^\]]+\]:\s/.test(line));
const body = (end < 0 ? rest : rest.slice(0, end)).join('\n').trim();
if (body === '') {
  console.error(`The "## [${version}]" section of ${file} is empty.`);
  process.exit(1);
}
console.log(body);
