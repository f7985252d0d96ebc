import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type JobSpec, makeOwnedDirectory } from '@model-eval/slurm';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterSshArgs } from '../support/cluster';
import { runJobToEnd, useClusterRunDirectory } from '../support/cluster-run-dir';

// The two-node test cluster (test/cluster/up.sh) that multi-node runs rely on: steps across both
// nodes, per-step accounting naming the nodes, and TCP between the nodes' own addresses from inside
// a job (what Ray and vLLM's multi-node modes need). The job is the product's batch script, submitted
// and followed over the pinned SSH login by the product's own submitJob/watchJobs; Slurm's own
// commands read the results as root.

const exec = promisify(execFile);
const { cluster, stamp, runDir: dir, transport } = useClusterRunDirectory('two-node');
const [first, second] = cluster.nodes;
if (!first || !second)
  throw new Error(`the test cluster has ${cluster.nodes.length} node(s); these tests need two`);

async function ok(command: string, args: readonly string[], timeout = 90_000): Promise<string> {
  try {
    return (await exec(command, [...args], { timeout, maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (error) {
    const failure = error as { stderr?: string; code?: number | string };
    throw new Error(`${command} ${args.join(' ')} failed (${failure.code}): ${failure.stderr ?? ''}`);
  }
}

function ssh(remoteCommand: string): Promise<string> {
  return ok('ssh', clusterSshArgs(cluster, remoteCommand));
}

/** Slurm's own expansion of a node list such as `node[1-2]`. */
async function hostnames(nodeList: string): Promise<string[]> {
  return (await ok('scontrol', ['show', 'hostnames', nodeList])).trim().split('\n').sort();
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const allNames = cluster.nodes.map((n) => n.name).sort();

// Each task listens on its node's address (found the way a job finds it: `hostname -I`), publishes
// address and port in the shared work directory, connects to every other node's listener and
// prints what it got; the server side prints whom it served (the peer address the kernel saw).
const probe = `
const net = require('node:net'), fs = require('node:fs'), os = require('node:os'), path = require('node:path');
const [dir, address, expectedPeers] = process.argv.slice(2);
const me = os.hostname();
let served = 0, greeted = 0;
const done = () => { if (served >= Number(expectedPeers) && greeted >= Number(expectedPeers)) process.exit(0); };
const server = net.createServer((socket) => {
  console.log(me + ' served ' + socket.remoteAddress);
  socket.end('hello from ' + me + ' at ' + socket.localAddress + '\\n');
  served++; done();
});
server.listen(0, address, () => {
  fs.writeFileSync(path.join(dir, me + '.tmp'), address + ' ' + server.address().port);
  fs.renameSync(path.join(dir, me + '.tmp'), path.join(dir, me + '.addr'));
  const pending = new Set();
  const poll = setInterval(() => {
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.addr') && f !== me + '.addr')) {
      if (pending.has(file)) continue;
      pending.add(file);
      const [host, port] = fs.readFileSync(path.join(dir, file), 'utf8').split(' ');
      const socket = net.connect(Number(port), host);
      let text = '';
      socket.on('data', (d) => { text += d; });
      socket.on('end', () => { console.log(me + ' -> ' + file.slice(0, -5) + ': ' + text.trim()); greeted++; done(); });
      socket.on('error', (e) => { console.log(me + ' -> ' + file.slice(0, -5) + ': ' + e.message); process.exit(1); });
    }
    if (pending.size >= Number(expectedPeers)) clearInterval(poll);
  }, 100);
});
setTimeout(() => { console.log(me + ': timed out'); process.exit(2); }, 60000);
`;

// The job's steps: one task on each node (--ntasks-per-node=1 below), each with one GPU.
const steps = `set -euo pipefail
srun --output=${dir}/step0.out bash -c 'echo "$(hostname) $SLURMD_NODENAME $(hostname -I)"'
srun --nodes=1 --ntasks=1 -w ${second.name} --output=${dir}/step1.out hostname
srun --output=${dir}/step2.out bash -c 'exec node ${dir}/probe.js ${dir} "$(hostname -I | cut -d" " -f1)" ${cluster.nodes.length - 1}'
`;

let jobId = '';

beforeAll(async () => {
  const spec: JobSpec = {
    name: stamp,
    key: stamp,
    runDir: dir,
    nodes: cluster.nodes.length,
    gpusPerNode: 1,
    extraDirectives: ['--ntasks-per-node=1'],
    timeLimit: '5',
    command: ['bash', '-c', steps],
  };
  // The run directory as the product makes it (the user's, mode 0700); root adds the probe to it.
  await makeOwnedDirectory(transport(), dir);
  writeFileSync(join(dir, 'probe.js'), probe);
  const ended = await runJobToEnd(transport(), spec, {
    // Other work may be queued: put this job first in line (root may lower a job's nice value).
    afterSubmit: (id) => ok('scontrol', ['update', `JobId=${id}`, 'Nice=-10000']),
  });
  jobId = ended.jobId;
  if (ended.stateClass !== 'succeeded') {
    const out = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '(none)');
    throw new Error(
      `job ${jobId} ended ${ended.stateClass}; stderr: ${out(`slurm-${jobId}.err`)}; step2: ${out('step2.out')}`,
    );
  }
});

describe('the two-node test cluster', () => {
  it('runs an interactive srun -N2 from the login on both nodes, each with its own hostname and address', async () => {
    const out = await ssh(
      `srun --nodes=2 --ntasks-per-node=1 bash -c 'echo "$(hostname) $SLURMD_NODENAME $(hostname -I | xargs) $(ip -4 -o addr show dev ${cluster.networkInterface} | tr -s " " | cut -d" " -f4)"'`,
    );
    const lines = out
      .trim()
      .split('\n')
      .map((l) => l.trim())
      .sort();
    expect(lines).toEqual(
      cluster.nodes.map((n) => `${n.name} ${n.name} ${n.address} ${n.address}/24`).sort(),
    );
  });

  it('runs a batch job whose steps span both nodes, and a step pinned to one node runs there', () => {
    const step0 = readFileSync(join(dir, 'step0.out'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.trim());
    expect(step0.sort()).toEqual(cluster.nodes.map((n) => `${n.name} ${n.name} ${n.address}`).sort());
    expect(readFileSync(join(dir, 'step1.out'), 'utf8').trim()).toBe(second.name);
  });

  it('opens TCP connections between the nodes, both ways, from inside a job step', () => {
    const lines = readFileSync(join(dir, 'step2.out'), 'utf8').trim().split('\n').sort();
    const expected = cluster.nodes.flatMap((me) =>
      cluster.nodes
        .filter((peer) => peer.name !== me.name)
        .flatMap((peer) => [
          `${me.name} -> ${peer.name}: hello from ${peer.name} at ${peer.address}`,
          // The server saw the client's own node address: a direct connection, nothing in between.
          `${peer.name} served ${me.address}`,
        ]),
    );
    expect(lines).toEqual(expected.sort());
  });

  it.skipIf(!cluster.accounting)('records each step with its NodeList in sacct (accounting on)', async () => {
    type Row = { id: string; state: string; nodes: string[] };
    const read = async (): Promise<Row[]> => {
      const out = await ok('sacct', ['-n', '-P', '-j', jobId, '-o', 'JobID,State,NodeList']);
      const rows: Row[] = [];
      for (const line of out.trim().split('\n')) {
        const [id = '', state = '', nodeList = ''] = line.split('|');
        rows.push({ id, state, nodes: nodeList ? await hostnames(nodeList) : [] });
      }
      return rows;
    };
    // Measured on this cluster (Slurm 22.05): for a few seconds after the job ends, sacct's job row
    // may still name only the first node (the job-start record reaches slurmdbd late), while the
    // step rows are complete. So wait, bounded, for the job row too; a timeout fails the test.
    let last: Row[] = [];
    const rows = await waitFor(`sacct to record job ${jobId} on both nodes`, 60_000, async () => {
      last = await read();
      const job = last.find((r) => r.id === jobId);
      const steps = last.filter((r) => r.id !== jobId);
      const settled = steps.length >= 4 && last.every((r) => r.state === 'COMPLETED');
      return settled && job?.nodes.length === allNames.length ? last : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}; last seen ${JSON.stringify(last)}`);
    });
    const nodesOf = (suffix: string) => rows.find((r) => r.id === `${jobId}${suffix}`)?.nodes;
    expect(nodesOf('')).toEqual(allNames);
    expect(nodesOf('.0')).toEqual(allNames);
    expect(nodesOf('.1')).toEqual([second.name]);
    expect(nodesOf('.2')).toEqual(allNames);
    // The batch script runs on one node of the allocation (the first).
    expect(nodesOf('.batch')).toHaveLength(1);
    expect(allNames).toContain(nodesOf('.batch')?.[0]);
  });

  it('publishes the node addresses in /etc/hosts, so node names resolve on the login and on the nodes', async () => {
    const login = await ok('getent', ['hosts', first.name, second.name]);
    expect(login).toContain(`${first.address}`);
    expect(login).toContain(`${second.address}`);
    const fromNode = await ssh(`srun --nodes=1 -w ${first.name} getent hosts ${second.name}`);
    expect(fromNode.trim().split(/\s+/)[0]).toBe(second.address);
  });
});
