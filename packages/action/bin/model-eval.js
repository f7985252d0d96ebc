#!/usr/bin/env node
// The `model-eval` command of an installed checkout: the committed bundle (see dist/ at the root).
await import('../../../dist/cli.js');
