import { cpus, totalmem } from 'node:os';
import {
  collectJobFiles,
  connectSsh,
  findJobsByKeys,
  type JobSpec,
  silentLogger,
  submitJob,
  type Transport,
  watchJobs,
} from '@model-eval/slurm';
import { clusterSshOptions, requireCluster } from '../test/support/cluster';

const JOBS = Number(process.env.BENCH_JOBS ?? 50);
const ARRAY_TASKS = Number(process.env.BENCH_ARRAY_TASKS ?? 200);
const cluster = requireCluster();
const stamp = `${process.pid}-${Date.now()}`;
const runDir = `${cluster.workDir}/bench-${stamp}`;

const commands = new Map<string, number>();
const startedAt = Date.now();
const ssh = await connectSsh(clusterSshOptions(cluster));
const transport: Transport = {
  ...ssh,
  kind: ssh.kind,
  exec(argv, options) {
    commands.set(argv[0] ?? '', (commands.get(argv[0] ?? '') ?? 0) + 1);
    return ssh.exec(argv, options);
  },
  // The SSH transport creates directories with its own `mkdir` command: count it too.
  makeDirectory(dir, options) {
    commands.set('mkdir', (commands.get('mkdir') ?? 0) + 1);
    return ssh.makeDirectory(dir, options);
  },
};

// Each job writes a LightEval-shaped results file into its own output directory.
const writeResults =
  'mkdir -p "$1/results/m" && printf "{\\"results\\":{}}" > "$1/results/m/results_$(date +%Y-%m-%dT%H-%M-%S).json"';
const spec = (name: string, extra: Partial<JobSpec> = {}): JobSpec => ({
  name: `${name}-${stamp}`,
  key: `${name}-${stamp}`,
  runDir,
  outputDir: `${runDir}/out-${name}`,
  timeLimit: '5',
  partition: cluster.partition,
  cpusPerTask: 1,
  memory: '64M',
  command: ['bash', '-c', writeResults, 'job', `${runDir}/out-${name}`],
  ...extra,
});
const specs = Array.from({ length: JOBS }, (_, i) => spec(`job${i}`));
const arraySpec = spec('array', {
  array: { indices: `0-${ARRAY_TASKS - 1}`, throttle: 50 },
  command: ['bash', '-c', writeResults, 'job', `${runDir}/out-array`],
});

const submitStart = Date.now();
// As superviseJobs does: one lookup for earlier jobs of every key, then the submissions.
const known = await findJobsByKeys(transport, [...specs, arraySpec], { logger: silentLogger });
const submitted = await Promise.all(
  [...specs, arraySpec].map((s) => submitJob(transport, s, { logger: silentLogger, known })),
);
const submitMs = Date.now() - submitStart;
const submitCommands = new Map(commands);
commands.clear();

const jobIds = submitted.map((s) => s.jobId);
const statusPerPoll: number[] = [];
let polls = 0;
const watchStart = Date.now();
const final = await watchJobs(transport, {
  jobIds,
  logger: silentLogger,
  onEvent: (event) => {
    if (event.type === 'poll') {
      polls += 1;
      statusPerPoll.push(event.commands);
    }
  },
});
const watchEnd = Date.now();
polls += 1; // the final poll ends the watch without a poll event
const watchCommands = new Map(commands);
commands.clear();

const collectStart = Date.now();
const collected = await Promise.all(
  specs.map((s, i) => collectJobFiles(transport, s, jobIds[i] ?? '', { tailLines: 20 })),
);
const arrayFiles = await collectJobFiles(transport, arraySpec, `${jobIds.at(-1)}_0`, { tailLines: 20 });
const collectEnd = Date.now();
const collectCommands = new Map(commands);

// When did the last job really end? Accounting knows, to the second.
const ends = await ssh.exec(['sacct', '-X', '-P', '-n', '-o', 'End', '-j', jobIds.join(',')]);
const lastEndMs = Math.max(
  ...ends.stdout
    .split('\n')
    .filter(Boolean)
    .map((t) => Date.parse(t)),
);
const succeeded = [...final.values()].filter((s) => s.state.class === 'succeeded').length;
const arrayTasks = final.get(jobIds.at(-1) ?? '')?.tasks.size ?? 0;
const resultFiles = collected.reduce((n, c) => n + c.resultFiles.length, 0);
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const fmt = (m: Map<string, number>) => [...m.entries()].map(([k, v]) => `${k}×${v}`).join(' ');

const rows: Array<[string, string]> = [
  [
    'machine',
    `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
  ],
  [
    'jobs',
    `${JOBS} jobs + 1 array of ${ARRAY_TASKS} tasks (%50 throttle); ${succeeded}/${jobIds.length} succeeded, ${arrayTasks} array tasks seen`,
  ],
  ['SSH connections opened', String(ssh.connectionsOpened)],
  ['submit: wall time', `${(submitMs / 1000).toFixed(1)} s (${fmt(submitCommands)})`],
  ['watch: polls', `${polls} in ${((watchEnd - watchStart) / 1000).toFixed(1)} s`],
  [
    'watch: status commands per poll',
    `max ${Math.max(...statusPerPoll, 1)}, total ${sum(watchCommands)} (${fmt(watchCommands)})`,
  ],
  [
    'collect: wall time',
    `${((collectEnd - collectStart) / 1000).toFixed(1)} s for ${JOBS + 1} jobs, ${resultFiles + arrayFiles.resultFiles.length} result files (${fmt(collectCommands)})`,
  ],
  [
    'last job end → collect done',
    `${((collectEnd - lastEndMs) / 1000).toFixed(1)} s (poll cap 60 s; sacct End has 1 s resolution)`,
  ],
  ['peak RSS', `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`],
  ['total', `${((Date.now() - startedAt) / 1000).toFixed(1)} s`],
];
const width = Math.max(...rows.map(([k]) => k.length));
process.stdout.write('\n@model-eval/slurm benchmark (real loopback cluster)\n');
for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)} | ${v}\n`);
await ssh.exec(['rm', '-rf', '--', runDir]);
await ssh.close();
