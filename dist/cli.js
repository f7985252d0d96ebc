#!/usr/bin/env node
import { createRequire as __meCreateRequire } from 'node:module';
import { fileURLToPath as __meFileURLToPath } from 'node:url';
import { dirname as __meDirname } from 'node:path';
const require = __meCreateRequire(import.meta.url);
const __filename = __meFileURLToPath(import.meta.url);
const __dirname = __meDirname(__filename);
import "./chunks/chunk-NJXPSOYZ.js";

// packages/action/src/cli/command.ts
import { parseArgs } from "node:util";
var UsageError = class extends Error {
  name = "UsageError";
};
function parseCommandArgs(spec, argv) {
  const options = { help: { type: "boolean", short: "h" } };
  for (const [name, option] of Object.entries(spec.options)) {
    const { description: _d, valueName: _v, ...parseOption } = option;
    options[name] = parseOption;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error.message);
  }
  const maxPositionals = spec.positionals?.length ?? 0;
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument '${parsed.positionals[maxPositionals]}'`);
  }
  const values = parsed.values;
  if (values.help !== true) {
    const missing = (spec.positionals ?? []).find((p, i) => p.required && parsed.positionals[i] === void 0);
    if (missing) throw new UsageError(`missing argument ${missing.name}`);
  }
  return { values, positionals: parsed.positionals };
}
function renderCommandHelp(spec) {
  const positionals = (spec.positionals ?? []).map((p) => p.required ? p.name : `[${p.name}]`).join(" ");
  const lines = [`Usage: model-eval ${spec.name}${positionals ? ` ${positionals}` : ""} [options]`, "", spec.summary, ""];
  if (spec.positionals?.length) {
    lines.push("Arguments:");
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(28)} ${p.description}`);
    lines.push("");
  }
  lines.push("Options:");
  const entries = Object.entries(spec.options).map(([name, option]) => {
    const flag = option.type === "string" ? `--${name} <${option.valueName ?? "value"}>` : `--${name}`;
    const short = option.short ? `-${option.short}, ` : "";
    return [`${short}${flag}`, option.description];
  });
  entries.push(["-h, --help", "Show this help"]);
  for (const [flag, description] of entries) lines.push(`  ${flag.padEnd(28)} ${description}`);
  return `${lines.join("\n")}
`;
}

// packages/action/src/cli/commands/not-yet.ts
function notYetAvailable(name, io) {
  io.stderr(`model-eval ${name}: not available in this build yet (see the open issues).
`);
  return Promise.resolve(1);
}

// packages/action/src/cli/commands/cancel.ts
var cancelCommand = {
  name: "cancel",
  summary: "Cancel every job of a run",
  options: {
    state: { type: "string", description: "Path of the run state file", valueName: "path" }
  },
  run: (_args, io) => notYetAvailable("cancel", io)
};

// packages/action/src/cli/commands/collect.ts
var collectCommand = {
  name: "collect",
  summary: "Wait for a detached run, collect its results and report",
  options: {
    state: { type: "string", description: "Path of the run state file", valueName: "path" }
  },
  run: (_args, io) => notYetAvailable("collect", io)
};

// packages/action/src/cli/commands/demo.ts
var demoCommand = {
  name: "demo",
  summary: "Run the embedded default: a simulated evaluation of a bundled model, no cluster or network",
  options: {},
  run: (_args, io) => notYetAvailable("demo", io)
};

// packages/action/src/cli/commands/plan.ts
var planCommand = {
  name: "plan",
  summary: "Size the GPUs and vLLM parallelism for a model (no cluster contact)",
  options: {
    model: { type: "string", description: "Hub model id or local directory", valueName: "id|dir" }
  },
  run: (_args, io) => notYetAvailable("plan", io)
};

// packages/action/src/cli/commands/results.ts
var resultsCommand = {
  name: "results",
  summary: "Parse LightEval results files under a directory",
  positionals: [{ name: "<dir>", description: "Directory holding results/**/results_*.json", required: true }],
  options: {
    json: { type: "boolean", description: "Print JSON rows instead of a table" }
  },
  run: (_args, io) => notYetAvailable("results", io)
};

// packages/action/src/cli/commands/run.ts
var runCommand = {
  name: "run",
  summary: "Plan, submit and watch an evaluation, then report its results",
  options: {
    model: { type: "string", description: "Hub model id or local directory", valueName: "id|dir" }
  },
  run: (_args, io) => notYetAvailable("run", io)
};

// packages/action/src/cli/commands/status.ts
var statusCommand = {
  name: "status",
  summary: "Show the state of a detached run",
  options: {
    state: { type: "string", description: "Path of the run state file", valueName: "path" }
  },
  run: (_args, io) => notYetAvailable("status", io)
};

// packages/action/src/cli/cli.ts
var commands = [
  planCommand,
  runCommand,
  statusCommand,
  collectCommand,
  cancelCommand,
  resultsCommand,
  demoCommand
];
function renderMainHelp() {
  const lines = [
    "Usage: model-eval <command> [options]",
    "",
    "Size, run and report LightEval + vLLM evaluations of a model on a Slurm cluster.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    "",
    "Run 'model-eval <command> --help' for a command's options."
  ];
  return `${lines.join("\n")}
`;
}
function hasHint(error) {
  return error instanceof Error && typeof error.hint === "string";
}
async function runCli(argv, io) {
  const [name, ...rest] = argv;
  if (name === void 0 || name === "--help" || name === "-h" || name === "help") {
    io.stdout(renderMainHelp());
    return name === void 0 ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`model-eval: unknown command '${name}'

${renderMainHelp()}`);
    return 2;
  }
  try {
    const args = parseCommandArgs(command, [...rest]);
    if (args.values.help === true) {
      io.stdout(renderCommandHelp(command));
      return 0;
    }
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`model-eval ${command.name}: ${error.message}
Run 'model-eval ${command.name} --help' for usage.
`);
      return 2;
    }
    if (hasHint(error)) {
      io.stderr(`model-eval ${command.name}: ${error.message}
  hint: ${error.hint}
`);
      return 2;
    }
    const detail = io.env.MODEL_EVAL_DEBUG ? error.stack : error.message;
    io.stderr(`model-eval ${command.name}: ${detail ?? String(error)}
`);
    return 1;
  }
}

// packages/action/src/cli/bin.ts
var exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd()
});
process.exitCode = exitCode;
