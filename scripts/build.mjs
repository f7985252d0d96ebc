// Bundles the action and the CLI into dist/ (committed: actions are consumed from git).
// ESM because @actions/core 3 and @actions/github 9 are ESM-only; ssh2 is CommonJS and uses
// require/__dirname, so the banner defines both, else the bundle dies at start.
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

const banner = [
  "import { createRequire as __meCreateRequire } from 'node:module';",
  "import { fileURLToPath as __meFileURLToPath } from 'node:url';",
  "import { dirname as __meDirname } from 'node:path';",
  'const require = __meCreateRequire(import.meta.url);',
  'const __filename = __meFileURLToPath(import.meta.url);',
  'const __dirname = __meDirname(__filename);',
].join('\n');

await rm('dist', { recursive: true, force: true });
await build({
  entryPoints: {
    action: 'packages/action/src/action/main.ts',
    cli: 'packages/action/src/cli/bin.ts',
  },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  // Both load inside try/catch in ssh2 and are optional speed-ups; bundling them cannot work.
  external: ['cpu-features', '*/sshcrypto.node'],
  banner: { js: banner },
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: false,
});
