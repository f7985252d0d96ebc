/**
 * Runs the project's GitHub emulator (test/emulators/github.ts) for the Python tests, which cannot
 * import TypeScript. Started as `tsx test/python/github_emulator.ts`; it prints one JSON line
 * `{"url": ..., "tokens": {"installation": ..., "user": ...}}`, then answers JSON commands, one per
 * stdin line, with one JSON line each:
 *   {"op": "faults", "route": "POST /repos/{owner}/{repo}/dispatches", "faults": [{"status": 503}]}
 *   {"op": "state"}   -> {"dispatches": [...], "calls": [...], "violations": [...]}
 *   {"op": "reset"}   -> forgets dispatches, calls and violations (one emulator serves many tests)
 * It exits when stdin closes, so a crashed test run leaves no server behind.
 */
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { EMULATOR_INSTALLATION_TOKEN, EMULATOR_USER_TOKEN, startGitHubEmulator } from '../emulators/github';

const faultSchema = z.union([
  z.object({ hang: z.literal(true) }),
  z.object({
    status: z.int().min(100).max(599),
    message: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
]);
const commandSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('faults'), route: z.string(), faults: z.array(faultSchema) }),
  z.object({ op: z.literal('state') }),
  z.object({ op: z.literal('reset') }),
]);

const github = await startGitHubEmulator();
const reply = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
reply({ url: github.url, tokens: { installation: EMULATOR_INSTALLATION_TOKEN, user: EMULATOR_USER_TOKEN } });

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const parsed = commandSchema.safeParse(JSON.parse(line));
  if (!parsed.success) {
    reply({ error: parsed.error.message });
    return;
  }
  const command = parsed.data;
  if (command.op === 'faults') {
    github.injectFaults(command.route, command.faults);
    reply({ ok: true });
  } else if (command.op === 'state') {
    const { dispatches, calls, violations } = github.state;
    reply({ dispatches, calls, violations });
  } else {
    github.state.dispatches.length = 0;
    github.state.calls.length = 0;
    github.state.violations.length = 0;
    reply({ ok: true });
  }
});
lines.on('close', () => {
  void github.close().then(() => process.exit(0));
});
