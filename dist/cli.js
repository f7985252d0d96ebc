#!/usr/bin/env node
import { createRequire as __meCreateRequire } from 'node:module';
import { fileURLToPath as __meFileURLToPath } from 'node:url';
import { dirname as __meDirname } from 'node:path';
const require = __meCreateRequire(import.meta.url);
const __filename = __meFileURLToPath(import.meta.url);
const __dirname = __meDirname(__filename);
import {
  DEFAULT_LIGHTEVAL_VERSION,
  DEFAULT_RETRY,
  DetachNotSupportedError,
  HUB_ID,
  InvalidBaselineError,
  MAX_SEEDS,
  SettingsError,
  Z_95,
  addBaselineFrom,
  applyPrecision,
  baselineRuleOf,
  benchmarkTitle,
  cancelRun,
  closestName,
  collectResults,
  countWhatRan,
  definedMultiNode,
  definitionHash,
  deriveRunId,
  escapeCodeSpan,
  escapeInline,
  escapeTerminal,
  external_exports,
  findRepositoryRoot,
  findStandinScript,
  formatBaselineSpec,
  formatSeconds,
  gpuTypeNames,
  gpuTypes,
  hubClientFromEnv,
  hubRepoIdProblem,
  hubRevisionProblem,
  isLocalPath,
  loadModelFacts,
  multiNodeEngines,
  networkInterfaceSchema,
  openExecutor,
  parseBaselineSpec,
  parseEnvironmentLines,
  pinRevision,
  planEvaluation,
  planToJson,
  publishToHub,
  readRunState,
  renderPlanText,
  renderReport,
  renderReportText,
  reportVerdict,
  resolveGresType,
  resolveRevisionSha,
  routeInput,
  routeSettings,
  runDefinition,
  runEvaluation,
  stateFilePath,
  toJobSpec,
  withStatistics
} from "./chunks/chunk-HWEZ6JWU.js";
import "./chunks/chunk-ZTRS4EJ4.js";

// packages/action/package.json
var version = "0.1.0";

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
    throw new UsageError(usageMessage(error.message, Object.keys(options)));
  }
  const maxPositionals = spec.positionals?.length ?? 0;
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument '${parsed.positionals[maxPositionals]}'`);
  }
  const values = parsed.values;
  if (values.help !== true) {
    const missing = (spec.positionals ?? []).find(
      (p, i) => p.required && parsed.positionals[i] === void 0
    );
    if (missing) throw new UsageError(`missing argument ${missing.name}`);
  }
  return { values, positionals: parsed.positionals };
}
function usageMessage(parseError, known) {
  const unknown = /^Unknown option '(-{1,2})([^']+)'/.exec(parseError);
  if (unknown) {
    const [, dashes, name] = unknown;
    const guess = dashes === "--" ? closestName(name, known) : void 0;
    return `unknown option ${dashes}${name}${guess ? ` (did you mean --${guess}?)` : ""}`;
  }
  const missing = /^Option '(-\w, )?(--[\w-]+)[^']*' argument missing/.exec(parseError);
  if (missing) return `${missing[2]} needs a value`;
  const noValue = /^Option '(--[\w-]+)' does not take an argument/.exec(parseError);
  if (noValue) return `${noValue[1]} takes no value`;
  return parseError;
}
var formatOption = {
  format: {
    type: "string",
    valueName: "text|markdown|json",
    description: "Output: aligned text (default), GitHub markdown, or JSON"
  }
};
function formatFrom(args) {
  const raw = stringOption(args, "format");
  if (raw !== void 0 && args.values.json === true && raw !== "json") {
    throw new UsageError(`--json and --format ${raw} contradict each other`);
  }
  if (raw === void 0) return args.values.json === true ? "json" : "text";
  if (raw === "text" || raw === "markdown" || raw === "json") return raw;
  const guess = closestName(raw, ["text", "markdown", "json"]);
  throw new UsageError(
    `--format must be text, markdown or json, got '${raw}'${guess ? ` (did you mean ${guess}?)` : ""}`
  );
}
function renderCommandHelp(spec) {
  const positionals = (spec.positionals ?? []).map((p) => p.required ? p.name : `[${p.name}]`).join(" ");
  const lines = [
    `Usage: model-eval ${spec.name}${positionals ? ` ${positionals}` : ""} [options]`,
    "",
    spec.summary,
    ""
  ];
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
function integerOption(args, name, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}) {
  const raw = args.values[name];
  if (raw === void 0) return void 0;
  const value = Number(raw);
  if (typeof raw !== "string" || !/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max < Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}` : `\u2265 ${min}`;
    throw new UsageError(`--${name} must be a whole number ${range}, got '${String(raw)}'`);
  }
  return value;
}
function numberOption(args, name, min, max) {
  const raw = args.values[name];
  if (raw === void 0) return void 0;
  const value = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got '${String(raw)}'`);
  }
  return value;
}
function stringOption(args, name) {
  const raw = args.values[name];
  if (raw === void 0) return void 0;
  if (typeof raw !== "string" || raw === "") throw new UsageError(`--${name} needs a non-empty value`);
  return raw;
}
function listOption(args, name) {
  const raw = stringOption(args, name);
  if (raw === void 0) return void 0;
  const items = raw.split(",").map((item) => item.trim());
  if (items.some((item) => item === "")) throw new UsageError(`--${name} has an empty entry: '${raw}'`);
  return items;
}

// packages/action/src/cli/detached.ts
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve as resolve2 } from "node:path";

// packages/action/src/cli/run-options.ts
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
var runOptions = {
  model: { type: "string", description: "Hub model id or model directory (required)", valueName: "id|dir" },
  revision: { type: "string", description: "Hub revision (branch, tag or commit)", valueName: "rev" },
  benchmarks: {
    type: "string",
    description: "Comma-separated benchmarks (default aime24,math_500,gpqa:diamond)",
    valueName: "a,b"
  },
  executor: {
    type: "string",
    description: "slurm (sbatch, over SSH or locally) or local (job scripts as child processes)",
    valueName: "slurm|local"
  },
  simulate: {
    type: "boolean",
    description: "Use the LightEval stand-in instead of lighteval (every output says SIMULATED)"
  },
  "ssh-host": {
    type: "string",
    description: "Login node; without it Slurm commands run on this machine",
    valueName: "H"
  },
  "ssh-port": { type: "string", description: "SSH port (default 22)", valueName: "P" },
  "ssh-user": { type: "string", description: "SSH user", valueName: "U" },
  "ssh-key": {
    type: "string",
    description: "Private key file (passphrase from MODEL_EVAL_SSH_PASSPHRASE)",
    valueName: "PATH"
  },
  "ssh-known-hosts": {
    type: "string",
    description: "known_hosts file pinning the login node",
    valueName: "PATH"
  },
  "insecure-accept-any-host-key": {
    type: "boolean",
    description: "Skip host key pinning (throwaway clusters only)"
  },
  partition: { type: "string", description: "Slurm partition", valueName: "P" },
  account: { type: "string", description: "Slurm account", valueName: "A" },
  qos: { type: "string", description: "Slurm QOS", valueName: "Q" },
  time: {
    type: "string",
    description: "Time limit per job (default: the partition's)",
    valueName: "HH:MM:SS"
  },
  "remote-dir": {
    type: "string",
    description: "Base directory for run directories (default ./model-eval-runs)",
    valueName: "DIR"
  },
  "job-setup": {
    type: "string",
    description: "Shell lines run in each job before LightEval",
    valueName: "lines"
  },
  "gpus-per-node": { type: "string", description: "GPUs per node (default 8)", valueName: "N" },
  "gpu-memory-gib": {
    type: "string",
    description: "Memory per GPU in GiB as nvidia-smi reports it (MiB / 1024; default: the --gpu-type, else 80)",
    valueName: "G"
  },
  "gpu-type": {
    type: "string",
    description: "GPU model: h100, h200, a100-80, a100-40, l40s, b200",
    valueName: "T"
  },
  "gres-type": {
    type: "string",
    description: "The cluster's GRES type for --gres=gpu:TYPE:N, or auto (the --gpu-type's); default: any GPU",
    valueName: "T"
  },
  "max-nodes": { type: "string", description: "Most nodes one job may span (default 1)", valueName: "K" },
  "gpu-memory-utilization": {
    type: "string",
    description: "Fraction of GPU memory vLLM may use (default 0.9)",
    valueName: "U"
  },
  "max-model-length": { type: "string", description: "Override max_model_length", valueName: "L" },
  "lighteval-version": {
    type: "string",
    description: `LightEval release on the cluster, or auto (the default: the release the preflight finds there; ${DEFAULT_LIGHTEVAL_VERSION} for plan)`,
    valueName: "V"
  },
  "job-per-benchmark": { type: "boolean", description: "One job per benchmark instead of one for all" },
  precision: {
    type: "string",
    description: "Target smallest detectable change in points: sets samples per problem (assumed worst-case variance without a baseline)",
    valueName: "POINTS"
  },
  seeds: {
    type: "string",
    description: "Run each benchmark with N sampling seeds (1234, 1235, \u2026; 1 to 16) and report the spread",
    valueName: "N"
  },
  "max-gpu-hours": {
    type: "string",
    description: "Refuse a plan whose estimated GPU-hours exceed this (precision's counts are capped to fit)",
    valueName: "H"
  },
  route: {
    type: "string",
    description: "auto (default: in-process on one node, ray or serve across nodes), in-process, ray, serve",
    valueName: "R"
  },
  "multi-node-engine": {
    type: "string",
    description: "What vllm serve spans nodes with on the serve route: ray (default) or mp",
    valueName: "ray|mp"
  },
  "network-interface": {
    type: "string",
    description: "Multi-node: NIC for NCCL/Gloo and each node's VLLM_HOST_IP (default: first address)",
    valueName: "NIC"
  },
  "ray-port": {
    type: "string",
    description: "Multi-node: Ray's port on the head (default 6379)",
    valueName: "P"
  },
  "serve-port": {
    type: "string",
    description: "Serve route: vllm serve port (default 8000)",
    valueName: "P"
  },
  "join-timeout": {
    type: "string",
    description: "Multi-node: seconds for every node to join Ray (default 600)",
    valueName: "S"
  },
  "serve-timeout": {
    type: "string",
    description: "Serve route: seconds for vllm serve to become healthy (default 1800)",
    valueName: "S"
  },
  "extra-environment": {
    type: "string",
    description: "NAME=value lines exported in every job, on every node",
    valueName: "lines"
  },
  "run-id": {
    type: "string",
    description: "Name of the run (default derived from model, revision, benchmarks)",
    valueName: "ID"
  },
  "max-oom-replans": {
    type: "string",
    description: "Re-plans with more GPUs after GPU out-of-memory (default 2)",
    valueName: "N"
  },
  "poll-interval": {
    type: "string",
    description: "First status poll interval in seconds (default 5; backs off to 60)",
    valueName: "S"
  },
  "hub-timeout": {
    type: "string",
    description: "Seconds to wait for each Hub request before failing (default 30)",
    valueName: "S"
  },
  "results-json": {
    type: "string",
    description: "Write the run and its results as JSON here",
    valueName: "PATH"
  },
  "report-md": { type: "string", description: "Write the Markdown report here", valueName: "PATH" }
};
var stderrLoggerFor = (io, simulated = false) => {
  const prefix = simulated ? "[SIMULATED] " : "";
  return {
    debug: () => {
    },
    // Messages carry Slurm reasons and command output from the cluster: no escape sequence passes.
    info: (message) => io.stderr(`${prefix}${escapeTerminal(message)}
`),
    warn: (message) => io.stderr(`${prefix}warning: ${escapeTerminal(message)}
`)
  };
};
function hubTimeoutFromArgs(args) {
  const seconds = numberOption(args, "hub-timeout", 1, 3600);
  return seconds === void 0 ? void 0 : Math.round(seconds * 1e3);
}
var RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
function gpuTypeOption(value) {
  if (value === void 0) return void 0;
  const type = gpuTypes[value.toLowerCase()];
  if (!type) throw new UsageError(`--gpu-type '${value}' is not one of ${gpuTypeNames().join(", ")}`);
  return type.memoryGiB;
}
function gresTypeOption(args) {
  try {
    return resolveGresType(stringOption(args, "gres-type"), stringOption(args, "gpu-type"), "--gpu-type");
  } catch (error) {
    if (error instanceof SettingsError) throw new UsageError(`--${error.message}; ${error.hint}`);
    throw error;
  }
}
function clusterShapeFromArgs(args) {
  return {
    gpusPerNode: integerOption(args, "gpus-per-node") ?? 8,
    gpuMemoryGiB: numberOption(args, "gpu-memory-gib", 1, 4096) ?? gpuTypeOption(stringOption(args, "gpu-type")) ?? 80,
    maxNodes: integerOption(args, "max-nodes") ?? 1
  };
}
function multiNodeFromArgs(args) {
  const choice = (name, allowed) => {
    const value = stringOption(args, name);
    if (value === void 0) return void 0;
    if (!allowed.includes(value))
      throw new UsageError(`--${name} must be one of ${allowed.join(", ")}, got '${value}'`);
    return value;
  };
  const iface = stringOption(args, "network-interface");
  if (iface !== void 0 && !networkInterfaceSchema.safeParse(iface).success)
    throw new UsageError(`--network-interface '${iface}' is not one interface name such as ib0 or eth0`);
  const envText = stringOption(args, "extra-environment");
  const env = envText === void 0 ? void 0 : parseEnvironmentLines(envText);
  if (typeof env === "string") throw new UsageError(`--extra-environment: ${env}`);
  return definedMultiNode({
    route: choice("route", routeSettings),
    engine: choice("multi-node-engine", multiNodeEngines),
    networkInterface: iface,
    rayPort: integerOption(args, "ray-port", { min: 1, max: 65535 }),
    servePort: integerOption(args, "serve-port", { min: 1, max: 65535 }),
    joinTimeoutSeconds: integerOption(args, "join-timeout", { min: 1 }),
    serveTimeoutSeconds: integerOption(args, "serve-timeout", { min: 1 }),
    extraEnvironment: env
  });
}
function settingsFromArgs(args, io) {
  const model = stringOption(args, "model");
  if (model === void 0) throw new UsageError("--model is required");
  const revision = stringOption(args, "revision");
  const benchmarks = listOption(args, "benchmarks") ?? [];
  const simulate = args.values.simulate === true;
  const explicitRunId = stringOption(args, "run-id");
  if (explicitRunId !== void 0 && !RUN_ID.test(explicitRunId)) {
    throw new UsageError(
      `--run-id must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`
    );
  }
  const pollSeconds = numberOption(args, "poll-interval", 0.2, 3600);
  const setup = stringOption(args, "job-setup");
  const settings = {
    model,
    benchmarks,
    cluster: clusterShapeFromArgs(args),
    slurm: { setup: setup ? setup.split("\n") : [] },
    // Over SSH the default is relative to the cluster account's home (resolved there): this machine's
    // working directory means nothing on the cluster. Locally it is beside the command.
    remoteDir: stringOption(args, "remote-dir") ?? (stringOption(args, "ssh-host") ? "model-eval-runs" : resolve(io.cwd, "model-eval-runs")),
    runId: explicitRunId ?? "",
    simulate,
    maxOomEscalations: integerOption(args, "max-oom-replans", { min: 0 }) ?? 2
  };
  if (revision !== void 0) settings.revision = revision;
  const partition = stringOption(args, "partition");
  const account = stringOption(args, "account");
  const qos = stringOption(args, "qos");
  const time = stringOption(args, "time");
  if (time) settings.slurm.timeLimit = time;
  if (partition) settings.slurm.partition = partition;
  if (account) settings.slurm.account = account;
  if (qos) settings.slurm.qos = qos;
  const gresType = gresTypeOption(args);
  if (gresType) settings.slurm.gresType = gresType;
  const utilization = numberOption(args, "gpu-memory-utilization", 0.05, 1);
  if (utilization !== void 0) settings.gpuMemoryUtilization = utilization;
  const maxModelLength = integerOption(args, "max-model-length");
  if (maxModelLength !== void 0) settings.maxModelLength = maxModelLength;
  const lightevalVersion = stringOption(args, "lighteval-version");
  if (lightevalVersion) settings.lightevalVersion = lightevalVersion;
  if (args.values["job-per-benchmark"] === true) settings.jobPerBenchmark = true;
  const precisionPoints = numberOption(args, "precision", 0.01, 99);
  if (precisionPoints !== void 0) settings.precision = precisionPoints / 100;
  const maxGpuHours = numberOption(args, "max-gpu-hours", 1e-3, 1e9);
  if (maxGpuHours !== void 0) settings.maxGpuHours = maxGpuHours;
  const seeds = integerOption(args, "seeds", { min: 1, max: MAX_SEEDS });
  if (seeds !== void 0 && seeds > 1) settings.seeds = seeds;
  const multiNode = multiNodeFromArgs(args);
  if (Object.keys(multiNode).length > 0) settings.multiNode = multiNode;
  if (pollSeconds !== void 0) settings.pollIntervalMs = Math.round(pollSeconds * 1e3);
  if (io.env.HF_TOKEN) settings.hfToken = io.env.HF_TOKEN;
  if (!explicitRunId) {
    settings.runIdPrefix = [];
    settings.runId = deriveRunId([definitionHash(runDefinition(settings))]);
  }
  return settings;
}
function accessFromArgs(args, io) {
  const executor = stringOption(args, "executor");
  if (executor === void 0) throw new UsageError("--executor is required (slurm or local)");
  if (executor !== "slurm" && executor !== "local") {
    throw new UsageError(`--executor must be slurm or local, got '${executor}'`);
  }
  const host = stringOption(args, "ssh-host");
  if (executor === "local") {
    if (host) throw new UsageError("--ssh-host goes with --executor slurm");
    return { executor: "local" };
  }
  if (!host) return { executor: "slurm" };
  const user = stringOption(args, "ssh-user");
  const keyPath = stringOption(args, "ssh-key");
  if (!user) throw new UsageError("--ssh-host needs --ssh-user");
  if (!keyPath) throw new UsageError("--ssh-host needs --ssh-key (a private key file)");
  const knownHostsPath = stringOption(args, "ssh-known-hosts");
  const insecure = args.values["insecure-accept-any-host-key"] === true;
  if (!knownHostsPath && !insecure) {
    throw new UsageError("--ssh-host needs --ssh-known-hosts (the pinned host key of the login node)");
  }
  const read = (path, what) => {
    try {
      return readFileSync(resolve(io.cwd, path), "utf8");
    } catch (error) {
      throw new UsageError(`cannot read ${what} ${path}: ${error.message}`);
    }
  };
  return {
    executor: "slurm",
    ssh: {
      host,
      port: integerOption(args, "ssh-port") ?? 22,
      user,
      privateKey: read(keyPath, "--ssh-key"),
      ...io.env.MODEL_EVAL_SSH_PASSPHRASE && { passphrase: io.env.MODEL_EVAL_SSH_PASSPHRASE },
      ...knownHostsPath && { knownHosts: read(knownHostsPath, "--ssh-known-hosts") },
      ...insecure && { insecureAcceptAnyHostKey: true }
    }
  };
}

// packages/action/src/cli/detached.ts
var detachedRunSchema = external_exports.object({
  version: external_exports.literal(1),
  runId: external_exports.string(),
  argv: external_exports.array(external_exports.string()),
  cwd: external_exports.string(),
  submittedAt: external_exports.string()
});
var stateOption = {
  state: { type: "string", description: "The run's state file (written by run --detach)", valueName: "PATH" }
};
async function writeDetachedRun(path, run) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(run, null, 2)}
`, { mode: 384 });
}
async function readDetachedRun(args, io, spec) {
  const path = stringOption(args, "state");
  if (!path) throw new UsageError("--state is required (the file run --detach wrote)");
  let text;
  try {
    text = await readFile(resolve2(io.cwd, path), "utf8");
  } catch (error) {
    throw new UsageError(`cannot read --state ${path}: ${error.message}`);
  }
  let parsed;
  try {
    parsed = detachedRunSchema.parse(JSON.parse(text));
  } catch {
    throw new UsageError(`--state ${path} is not a state file written by 'model-eval run --detach'`);
  }
  const runArgs = parseCommandArgs(
    { name: spec.name, summary: "", options: spec.options, run: async () => 0 },
    parsed.argv
  );
  return { run: parsed, runArgs, io: { ...io, cwd: parsed.cwd } };
}
var RunStateMissingError = class extends Error {
  name = "RunStateMissingError";
  hint = "Check that --state names the file of a run that was submitted (run --detach prints it).";
  constructor(runId, path) {
    super(`The run ${runId} has no state on the cluster (${path})`);
  }
};
async function openDetachedRun(args, io, command) {
  const { runArgs, io: runIo } = await readDetachedRun(args, io, { name: command, options: runOptions });
  const settings = settingsFromArgs(runArgs, runIo);
  const executor = await openExecutor(
    accessFromArgs(runArgs, runIo),
    settings,
    stderrLoggerFor(io, settings.simulate)
  );
  try {
    if (executor.kind !== "slurm") throw new DetachNotSupportedError();
    const state = await readRunState(executor.transport, stateFilePath(settings));
    if (!state) throw new RunStateMissingError(settings.runId, stateFilePath(settings));
    return { settings, executor, state };
  } catch (error) {
    await executor.transport.close();
    throw error;
  }
}

// packages/action/src/cli/commands/cancel.ts
var cancelCommand = {
  name: "cancel",
  summary: "Cancel every job of a run",
  options: stateOption,
  run: async (args, io) => {
    const { settings, executor, state } = await openDetachedRun(args, io, "cancel");
    try {
      const jobIds = state.jobs.flatMap((job) => job.jobIds);
      await cancelRun(
        {
          executor,
          logger: stderrLoggerFor(io, settings.simulate),
          specFor: (job) => toJobSpec(job.planned, job.index, settings)
        },
        state.jobs
      );
      io.stdout(
        `Cancelled run ${settings.runId}: job(s) ${jobIds.join(", ") || "none recorded"} and any job with its keys.
`
      );
      return 0;
    } finally {
      await executor.transport.close();
    }
  }
};

// packages/action/src/cli/results-repo.ts
var resultsRepoOptions = {
  "results-repo": {
    type: "string",
    description: "Hub dataset of results (org/name): baselines are read there; run also uploads (HF_TOKEN)",
    valueName: "org/name"
  },
  baseline: {
    type: "string",
    description: "Compare with: previous-tag, base-revision (the model at main), none, or model@revision",
    valueName: "rule"
  }
};
var noUploadOption = {
  "no-upload": {
    type: "boolean",
    description: "With --results-repo: read the baseline there, upload nothing"
  }
};
function resultsRepoFromArgs(args) {
  const repo = stringOption(args, "results-repo");
  const text = stringOption(args, "baseline");
  if (repo === void 0) {
    if (text !== void 0 && text !== "none") {
      throw new UsageError("--baseline needs --results-repo (the Hub dataset the baseline is read from)");
    }
    if (args.values["no-upload"] === true) throw new UsageError("--no-upload goes with --results-repo");
    return void 0;
  }
  const repoProblem = hubRepoIdProblem(repo);
  if (repoProblem) throw new UsageError(`--results-repo '${repo}' is not a Hub repo id: it ${repoProblem}`);
  let baseline = { kind: "none" };
  if (text !== void 0) {
    try {
      baseline = parseBaselineSpec(text);
    } catch (error) {
      if (error instanceof InvalidBaselineError) throw new UsageError(`--${error.message}. ${error.hint}`);
      throw error;
    }
  }
  if (baseline.kind === "fixed") {
    const problem = hubRepoIdProblem(baseline.model) ?? hubRevisionProblem(baseline.revision);
    if (problem) throw new UsageError(`--baseline '${text}' is not model@revision: it ${problem}`);
  }
  return { repo, baseline, upload: args.values["no-upload"] !== true };
}
function cliHubClient(io, logger) {
  return hubClientFromEnv(io.env, {
    ...io.env.HF_TOKEN && { accessToken: io.env.HF_TOKEN },
    retry: { ...DEFAULT_RETRY, onRetry: (message) => logger.warn(message) }
  });
}
async function addCliBaseline(hub, request, current, run, report, logger) {
  const rule = baselineRuleOf(request.baseline, { baseRevision: "main" });
  if (!rule) return;
  report.notes ??= [];
  logger.info(`Reading the baseline (${formatBaselineSpec(request.baseline)}) from ${request.repo}.`);
  await addBaselineFrom(hub, { repo: request.repo, rule, current }, run, report, logger);
}
async function uploadCliRun(hub, request, settings, outcome, logger) {
  if (!request.upload || outcome.results.length === 0) return null;
  const say = (message) => logger.warn(String(message));
  const core = { info: logger.info, warning: say, error: say };
  return publishToHub(
    core,
    hub,
    { resultsRepo: request.repo, request: {} },
    settings,
    outcome,
    outcome.report,
    {
      runUrl: void 0
    }
  );
}

// packages/action/src/cli/commands/run.ts
import { mkdir as mkdir2, writeFile as writeFile2 } from "node:fs/promises";
import { dirname as dirname2, join, resolve as resolve3 } from "node:path";
var runCommand = {
  name: "run",
  summary: "Plan, submit and watch an evaluation, then report its results",
  options: {
    ...runOptions,
    wait: { type: "boolean", description: "Wait for the jobs and report (the default)" },
    detach: {
      type: "boolean",
      description: "Submit, write the state file and exit; finish with collect --state"
    },
    ...resultsRepoOptions,
    ...noUploadOption,
    ...stateOption,
    ...formatOption
  },
  run: (args, io) => runFromArgs(args, io)
};
async function runFromArgs(args, io, options = {}) {
  const format = options.format ?? formatFrom(args);
  const resultsRepo = options.collectOnly ? options.resultsRepo : resultsRepoFromArgs(args);
  const detach = args.values.detach === true;
  if (detach && args.values.wait === true) throw new UsageError("--wait and --detach exclude each other");
  if (detach && resultsRepo) {
    throw new UsageError(
      "--results-repo with --detach: pass --results-repo (and --baseline) to `model-eval collect` instead, which reports the run"
    );
  }
  const hubTimeout = hubTimeoutFromArgs(args);
  const settings = await pinCliRevision(settingsFromArgs(args, io), io, {
    reopening: options.collectOnly !== void 0,
    hubTimeoutMs: hubTimeout
  });
  const access = accessFromArgs(args, io);
  const logger = stderrLoggerFor(io, settings.simulate);
  const standinScript = settings.simulate ? findStandinScript() : void 0;
  if (settings.simulate && !standinScript) {
    throw new UsageError(
      "--simulate needs the LightEval stand-in (test/fixtures/lighteval) of a repository checkout"
    );
  }
  const localDir = resolve3(io.cwd, "model-eval-output", settings.runId);
  if (detach && access.executor === "local") {
    throw new UsageError("--detach needs --executor slurm: local jobs are child processes of this command");
  }
  const executor = await openExecutor(access, settings, logger);
  const abort = new AbortController();
  const onSignal = (signal) => {
    logger.warn(`${signal}: cancelling the run's jobs.`);
    abort.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let outcome;
  try {
    outcome = await runEvaluation(settings, {
      executor,
      loadFacts: (source) => loadModelFacts({ ...source, cwd: io.cwd, timeoutMs: hubTimeout }),
      logger,
      localDir,
      ...standinScript && { standinScript },
      ...io.env.HF_ENDPOINT && { hubEndpoint: io.env.HF_ENDPOINT },
      signal: abort.signal,
      mode: options.collectOnly ? { kind: "reopen", until: "ended" } : detach ? { kind: "detach" } : { kind: "wait" },
      // With --format json stdout carries one JSON document only; the plan goes to stderr then.
      onPlan: (plan) => (format === "json" ? io.stderr : io.stdout)(`${renderPlanText(plan)}
`)
    });
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    await executor.transport.close();
  }
  if (outcome.status === "submitted")
    return reportSubmitted(args, io, settings.runId, outcome, { localDir, format });
  const uploadFailure = resultsRepo ? await publishToResultsRepo(io, resultsRepo, settings, outcome, logger) : null;
  const code = await reportFinished(args, io, outcome, { localDir, format, logger });
  if (uploadFailure) logger.warn(uploadFailure);
  return code === 0 && uploadFailure ? 1 : code;
}
async function publishToResultsRepo(io, request, settings, outcome, logger) {
  const hub = cliHubClient(io, logger);
  const current = { model: settings.model, revision: settings.revision ?? "main" };
  if (outcome.results.length > 0) {
    await addCliBaseline(hub, request, current, outcome, outcome.report, logger);
  }
  outcome.report.notes ??= [];
  return uploadCliRun(hub, request, settings, outcome, logger);
}
async function pinCliRevision(settings, io, options) {
  if (options.reopening) return settings;
  const applied = applyPrecision(settings);
  for (const line of applied.lines) io.stderr(`${line}
`);
  settings = applied.settings;
  const hub = hubClientFromEnv(io.env, {
    ...settings.hfToken && { accessToken: settings.hfToken },
    ...options.hubTimeoutMs !== void 0 && { timeoutMs: options.hubTimeoutMs }
  });
  const pinned = await pinRevision(
    settings,
    (model, revision) => resolveRevisionSha(hub, model, revision),
    (model) => isLocalPath(model, io.cwd)
  );
  io.stderr(`${pinned.line}
`);
  return pinned.settings;
}
async function reportSubmitted(args, io, runId, outcome, where) {
  const statePath = resolve3(io.cwd, stringOption(args, "state") ?? join(where.localDir, "run.json"));
  await writeDetachedRun(statePath, {
    version: 1,
    runId,
    argv: [...argvOf(args), "--run-id", runId],
    cwd: io.cwd,
    submittedAt: (/* @__PURE__ */ new Date()).toISOString()
  });
  if (where.format === "json") {
    const jobs = outcome.report.jobs.map((j) => ({ id: j.id, benchmarks: j.benchmarks, state: j.state }));
    io.stdout(`${JSON.stringify({ runId, status: "submitted", jobs, state: statePath }, null, 2)}
`);
    return 0;
  }
  const ids = outcome.report.jobs.map((j) => j.id).join(", ");
  io.stdout(`Submitted job(s) ${ids} (run ${runId}).
State: ${statePath}
`);
  io.stdout(
    `Follow with: model-eval status --state ${statePath}
Finish with: model-eval collect --state ${statePath}
`
  );
  return 0;
}
async function reportFinished(args, io, outcome, where) {
  const markdown = renderReport(outcome.report);
  io.stdout(
    where.format === "json" ? `${JSON.stringify({ ...resultsJsonOf(outcome), verdict: reportVerdict(outcome.report) }, null, 2)}
` : where.format === "markdown" ? `
${markdown}
` : `
${renderReportText(outcome.report)}`
  );
  const resultsJson2 = stringOption(args, "results-json");
  if (resultsJson2)
    await writeOut(resolve3(io.cwd, resultsJson2), `${JSON.stringify(resultsJsonOf(outcome), null, 2)}
`);
  const reportPath = stringOption(args, "report-md") ?? join(where.localDir, "report.md");
  await writeOut(resolve3(io.cwd, reportPath), markdown);
  where.logger.info(`Report: ${resolve3(io.cwd, reportPath)}; results files: ${outcome.localResultsDir}`);
  return outcome.status === "succeeded" ? 0 : outcome.status === "cancelled" ? 130 : 1;
}
function resultsJsonOf(outcome) {
  return {
    model: outcome.report.model,
    revision: outcome.report.revision,
    status: outcome.status,
    simulated: outcome.report.simulated,
    jobs: outcome.jobs.map((job) => ({
      id: job.outcome.jobId,
      state: job.outcome.state.state,
      benchmarks: job.planned.benchmarks,
      gpus: job.planned.nodes * job.planned.gpusPerNode,
      elapsedSeconds: job.outcome.state.elapsedSeconds
    })),
    results: outcome.results.map((r) => ({
      benchmark: r.benchmark,
      task: r.task,
      metric: r.metric,
      value: r.value,
      stderr: r.stderr
    }))
  };
}
function argvOf(args) {
  const argv = [];
  for (const name of Object.keys(runOptions)) {
    const value = args.values[name];
    if (name === "run-id" || value === void 0 || value === false) continue;
    argv.push(`--${name}`, ...value === true ? [] : [String(value)]);
  }
  return argv;
}
async function writeOut(path, text) {
  await mkdir2(dirname2(path), { recursive: true });
  await writeFile2(path, text);
}

// packages/action/src/cli/commands/collect.ts
var collectCommand = {
  name: "collect",
  summary: "Wait for a detached run, collect its results and report",
  options: { ...stateOption, ...resultsRepoOptions, ...noUploadOption, ...formatOption },
  run: async (args, io) => {
    const { runArgs, io: runIo } = await readDetachedRun(args, io, { name: "collect", options: runOptions });
    const resultsRepo = resultsRepoFromArgs(args);
    return runFromArgs(runArgs, runIo, {
      collectOnly: "wait",
      format: formatFrom(args),
      ...resultsRepo && { resultsRepo }
    });
  }
};

// packages/action/src/cli/commands/demo.ts
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as join2 } from "node:path";
var DEMO_MODEL = "test/fixtures/models/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B";
var demoCommand = {
  name: "demo",
  summary: "Run the embedded default: a simulated evaluation of a bundled model, no cluster or network",
  options: {},
  run: async (_args, io) => {
    const root = findRepositoryRoot();
    if (!root) throw new UsageError("the demo needs a repository checkout (its bundled model configs)");
    const workDir = mkdtempSync(join2(tmpdir(), "model-eval-demo-"));
    io.stderr(`Demo: simulated evaluation of ${DEMO_MODEL} on this machine (work directory ${workDir}).
`);
    const argv = [
      "--model",
      join2(root, DEMO_MODEL),
      "--executor",
      "local",
      "--simulate",
      "--remote-dir",
      join2(workDir, "runs"),
      "--results-json",
      join2(workDir, "results.json"),
      "--report-md",
      join2(workDir, "report.md")
    ];
    return runFromArgs(parseCommandArgs(runCommand, argv), { ...io, cwd: workDir });
  }
};

// packages/action/src/cli/commands/plan.ts
var planCommand = {
  name: "plan",
  summary: "Size the GPUs and vLLM parallelism for a model (no cluster contact)",
  options: {
    ...pick(runOptions, [
      "model",
      "revision",
      "gpus-per-node",
      "gpu-memory-gib",
      "max-nodes",
      "benchmarks",
      "gpu-memory-utilization",
      "max-model-length",
      "lighteval-version",
      "job-per-benchmark",
      "seeds",
      "route",
      "multi-node-engine",
      "serve-port",
      "hub-timeout"
    ]),
    json: { type: "boolean", description: "Print the plan as JSON on stdout" }
  },
  run: async (args, io) => {
    const model = stringOption(args, "model");
    if (model === void 0) throw new UsageError("--model is required");
    const gpuMemoryUtilization = numberOption(args, "gpu-memory-utilization", 0.05, 1);
    const maxModelLength = integerOption(args, "max-model-length");
    const requested = stringOption(args, "lighteval-version");
    const lightevalVersion = requested === "auto" ? void 0 : requested;
    const cluster = clusterShapeFromArgs(args);
    const benchmarks = listOption(args, "benchmarks");
    const seeds = integerOption(args, "seeds", { min: 1, max: MAX_SEEDS });
    const timeoutMs = hubTimeoutFromArgs(args);
    const revision = await pinnedRevision(model, stringOption(args, "revision"), io, timeoutMs);
    const facts = await loadModelFacts({
      model,
      revision,
      hubEndpoint: io.env.HF_ENDPOINT || void 0,
      token: io.env.HF_TOKEN || void 0,
      cwd: io.cwd,
      timeoutMs
    });
    const plan = planEvaluation({
      facts,
      cluster,
      benchmarks,
      gpuMemoryUtilization,
      maxModelLength,
      lightevalVersion,
      ...args.values["job-per-benchmark"] === true && { jobPerBenchmark: true },
      ...seeds !== void 0 && { seeds },
      ...routeInput({ multiNode: multiNodeFromArgs(args) })
    });
    io.stdout(
      args.values.json === true ? `${JSON.stringify(planToJson(plan), null, 2)}
` : `${renderPlanText(plan)}
`
    );
    return 0;
  }
};
async function pinnedRevision(model, revision, io, timeoutMs) {
  if (!HUB_ID.test(model) || isLocalPath(model, io.cwd)) return revision;
  const hub = hubClientFromEnv(io.env, {
    ...io.env.HF_TOKEN && { accessToken: io.env.HF_TOKEN },
    ...timeoutMs !== void 0 && { timeoutMs },
    // A command at a terminal: one retry, soon, then the error (a run retries longer).
    retry: { ...DEFAULT_RETRY, attempts: 2, baseDelayMs: 500 }
  });
  const sha = await resolveRevisionSha(hub, model, revision ?? "main");
  io.stderr(`${model}@${revision ?? "main"} is commit ${sha} on the Hub; the plan is for that commit.
`);
  return sha;
}
function pick(record, names) {
  return Object.fromEntries(names.flatMap((name) => record[name] ? [[name, record[name]]] : []));
}

// packages/action/src/cli/commands/results.ts
var resultsCommand = {
  name: "results",
  summary: "Parse LightEval results files under a directory",
  positionals: [
    { name: "<dir>", description: "Directory holding results/**/results_*.json", required: true }
  ],
  options: {
    ...formatOption,
    json: { type: "boolean", description: "Same as --format json" },
    ...resultsRepoOptions,
    model: {
      type: "string",
      description: "With --baseline: the model the results are of (default: as the results files name it)",
      valueName: "id"
    },
    revision: {
      type: "string",
      description: "With --baseline: the revision the results are of (default main)",
      valueName: "rev"
    }
  },
  run: async (args, io) => {
    const dir = args.positionals[0];
    const format = formatFrom(args);
    const request = resultsRepoFromArgs(args);
    if (!request && (args.values.model !== void 0 || args.values.revision !== void 0)) {
      throw new UsageError("--model and --revision go with --results-repo and --baseline");
    }
    const collected = await collectResults(dir);
    await countWhatRan({ results: collected.rows, localResultsDir: dir });
    if (request) return resultsWithBaseline(dir, collected, request, { args, io, format });
    const { rows, files } = collected;
    const simulated = new Set(files.filter((f) => f.simulated).map((f) => f.file));
    io.stdout(
      format === "json" ? resultsJson(rows, files, simulated) : format === "markdown" ? resultsMarkdown(rows, simulated) : resultsText(rows, files, simulated)
    );
    return 0;
  }
};
async function resultsWithBaseline(dir, collected, request, cli) {
  const { args, io, format } = cli;
  const model = stringOption(args, "model") ?? [...collected.files].reverse().find((f) => f.modelName)?.modelName;
  if (!model) throw new UsageError("--model is needed: the results files do not name their model");
  const revision = stringOption(args, "revision") ?? "main";
  const simulated = collected.files.some((f) => f.simulated);
  const logger = stderrLoggerFor(io, simulated);
  const report = {
    model,
    revision,
    status: "succeeded",
    simulated,
    jobs: [],
    results: collected.rows,
    notes: []
  };
  const run = { results: collected.rows, localResultsDir: dir };
  await countWhatRan(run);
  report.results = withStatistics(report.results, run.perProblem ?? /* @__PURE__ */ new Map(), void 0);
  await addCliBaseline(cliHubClient(io, logger), request, { model, revision }, run, report, logger);
  io.stdout(
    format === "json" ? `${JSON.stringify({ model, revision, verdict: reportVerdict(report), results: collected.rows, baseline: report.baseline ?? null, notes: report.notes }, null, 2)}
` : format === "markdown" ? `${renderReport(report)}
` : renderReportText(report)
  );
  return 0;
}
function resultsJson(rows, files, simulated) {
  const output = {
    rows: rows.map((r) => ({
      benchmark: r.benchmark,
      task: r.task,
      metric: r.metric,
      // JSON has no NaN: a missing score is null, with the reason in notes.
      value: r.value,
      stderr: r.stderr,
      samples: r.samples,
      problems: r.problems,
      lightevalVersion: r.lightevalVersion,
      simulated: simulated.has(r.file),
      notes: r.notes,
      file: r.file,
      // A `seeds: N` run's directory: each seed's own score and file (the row is their merge).
      ...r.seedRuns && { seedRuns: r.seedRuns }
    })),
    files: files.map((f) => ({
      file: f.file,
      timestamp: f.timestamp,
      model: f.modelName,
      evaluationSeconds: f.evaluationSeconds,
      simulated: f.simulated
    }))
  };
  return `${JSON.stringify(output, null, 2)}
`;
}
function scoreText(r) {
  return r.value === null ? "no score" : `${(r.value * 100).toFixed(1)} \xB1 ${r.stderr === null ? "?" : (Z_95 * r.stderr * 100).toFixed(1)}`;
}
function resultsMarkdown(rows, simulated) {
  const anySimulated = rows.some((r) => simulated.has(r.file));
  const md = [
    ...anySimulated ? ["> [!WARNING]", "> **SIMULATED**: results of the LightEval stand-in, not of a model.", ""] : [],
    "| Benchmark | Problems \xD7 samples | Score \xB1 95% CI | LightEval metric | LightEval |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) => `| ${escapeInline(benchmarkTitle(r.benchmark))} | ${r.problems ?? "?"} \xD7 ${r.samples ?? "?"} | ${scoreText(r)} | ${escapeCodeSpan(r.metric || "\u2014")} | ${escapeInline(r.lightevalVersion)} |`
    ),
    ...rows.flatMap((r) => r.notes.map((n) => `- ${escapeInline(`${benchmarkTitle(r.benchmark)}: ${n}`)}`))
  ];
  return `${md.join("\n")}
`;
}
function resultsText(rows, files, simulated) {
  const cell = (text) => escapeTerminal(text, { oneLine: true });
  const table = [
    ["benchmark", "metric", "score \xB1 95% CI", "samples", "problems", "LightEval", ""],
    ...rows.map((r) => [
      cell(r.benchmark),
      cell(r.metric || "\u2014"),
      scoreText(r),
      r.samples === null ? "\u2014" : String(r.samples),
      r.problems === null ? "\u2014" : String(r.problems),
      cell(r.lightevalVersion),
      simulated.has(r.file) ? "SIMULATED" : ""
    ])
  ];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? "").length))) ?? [];
  const lines = table.map(
    (row) => row.map((text, i) => text.padEnd(widths[i] ?? 0)).join("  ").trimEnd()
  );
  const notes = rows.flatMap((r) => r.notes.map((n) => `  ${cell(`${r.benchmark}: ${n}`)}`));
  return `${lines.join("\n")}
${notes.length ? `
Notes:
${notes.join("\n")}
` : ""}
${files.length} results file${files.length === 1 ? "" : "s"} read; newest per benchmark shown.
`;
}

// packages/action/src/cli/commands/status.ts
var statusCommand = {
  name: "status",
  summary: "Show the state of a detached run",
  options: { ...stateOption, json: { type: "boolean", description: "Print the states as JSON" } },
  run: async (args, io) => {
    const { settings, executor, state } = await openDetachedRun(args, io, "status");
    try {
      const latest = state.jobs.map((job) => ({ job, id: job.jobIds.at(-1) }));
      const states = await executor.poll(latest.flatMap((l) => l.id ? [l.id] : []));
      const rows = latest.map(({ job, id }) => {
        const s = id ? states.get(id) : void 0;
        return {
          id: id ?? null,
          benchmarks: job.planned.benchmarks,
          state: s?.state ?? "NOT SUBMITTED",
          class: s?.class ?? "not-submitted",
          reason: s && "reason" in s ? s.reason ?? null : null,
          elapsedSeconds: s?.elapsedSeconds ?? null
        };
      });
      if (args.values.json === true) {
        io.stdout(`${JSON.stringify({ runId: settings.runId, jobs: rows }, null, 2)}
`);
      } else {
        for (const row of rows) {
          const elapsed = row.elapsedSeconds === null ? "" : `, elapsed ${formatSeconds(row.elapsedSeconds)}`;
          const line = `${row.id ?? "\u2014"}  ${row.state}${row.reason ? ` (${row.reason})` : ""}${elapsed}  ${row.benchmarks.join(", ")}`;
          io.stdout(`${escapeTerminal(line, { oneLine: true })}
`);
        }
      }
      return rows.some((r) => r.class === "failed") ? 1 : 0;
    } finally {
      await executor.transport.close();
    }
  }
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
    "Options:",
    "  --version  Print the version of model-eval",
    "  --help     Show this help",
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
var CLI_VERSION = version;
async function runCli(argv, io) {
  const [name, ...rest] = argv;
  if (name === void 0 || name === "--help" || name === "-h" || name === "help") {
    io.stdout(renderMainHelp());
    return name === void 0 ? 2 : 0;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    io.stdout(`model-eval ${CLI_VERSION}
`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const guess = name.startsWith("-") ? void 0 : closestName(
      name,
      commands.map((c) => c.name)
    );
    io.stderr(
      guess ? `model-eval: unknown command '${name}' (did you mean '${guess}'?)
Run 'model-eval --help' for the commands.
` : `model-eval: unknown command '${name}'

${renderMainHelp()}`
    );
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
      io.stderr(
        `model-eval ${command.name}: ${error.message}
Run 'model-eval ${command.name} --help' for usage.
`
      );
      return 2;
    }
    if (hasHint(error)) {
      io.stderr(
        `model-eval ${command.name}: ${escapeTerminal(`${error.message.replace(/\.$/, "")}. ${error.hint}`)}
`
      );
      return 2;
    }
    const detail = io.env.MODEL_EVAL_DEBUG ? error.stack : error.message;
    io.stderr(`model-eval ${command.name}: ${escapeTerminal(detail ?? String(error))}
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
