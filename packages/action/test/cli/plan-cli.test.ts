import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type HubEmulator, startHubEmulator } from '../../../../test/emulators/hub';
// The CLI lives in @model-eval/action; `model-eval plan` is the planner's command, so its contract is tested here.
import { runCliCaptured } from '../../../../test/support/cli';

const modelsDir = fileURLToPath(new URL('../../../../test/fixtures/models', import.meta.url));

const run = (argv: string[], env: NodeJS.ProcessEnv = {}, cwd = modelsDir) =>
  runCliCaptured(['plan', ...argv], { env, cwd });

describe('model-eval plan', () => {
  it('--json prints exactly the contract on stdout', async () => {
    const { code, stdout, stderr } = await run([
      '--model',
      './deepseek-ai/DeepSeek-R1-Distill-Qwen-32B',
      '--json',
    ]);
    expect([code, stderr]).toEqual([0, '']);
    const json = JSON.parse(stdout);
    expect(json.model).toMatchObject({
      id: './deepseek-ai/DeepSeek-R1-Distill-Qwen-32B',
      weightBytes: 65527752704,
    });
    expect(json.cluster).toEqual({ gpusPerNode: 8, gpuMemoryGiB: 80, maxNodes: 1 });
    expect(json.jobs).toHaveLength(1);
    expect(json.jobs[0]).toMatchObject({
      benchmarks: ['aime24', 'math_500', 'gpqa:diamond'],
      nodes: 1,
      gpusPerNode: 8,
      tensorParallel: 2,
      pipelineParallel: 1,
      dataParallel: 4,
      gpuMemoryUtilization: 0.9,
    });
    expect(Object.keys(json.jobs[0].memoryPerGpuGiB)).toEqual(['weights', 'kvCache', 'overhead', 'budget']);
    expect(json.jobs[0].lightevalArgv.slice(0, 2)).toEqual(['lighteval', 'vllm']);
    expect(json.reasons.length).toBeGreaterThan(0);
    expect(json.warnings).toEqual([]);
  });

  it('reads the model from the Hub named by HF_ENDPOINT, with the cluster options applied', async () => {
    const hub: HubEmulator = await startHubEmulator({ modelsDir });
    try {
      const { code, stdout } = await run(
        [
          '--model',
          'deepseek-ai/DeepSeek-R1-Distill-Llama-70B',
          '--gpu-memory-gib',
          '40',
          '--benchmarks',
          'aime25',
          '--lighteval-version',
          '0.10.0',
          '--json',
        ],
        { HF_ENDPOINT: hub.url },
        // Not the fixtures directory: there the id would also be an existing local path.
        '/',
      );
      expect(code).toBe(0);
      const json = JSON.parse(stdout);
      expect(json.model.parameterSource).toBe('safetensors-api');
      expect(json.jobs[0]).toMatchObject({ tensorParallel: 8, benchmarks: ['aime25'] });
      expect(json.jobs[0].lightevalArgv).toContain('lighteval|aime25|0|0');
      expect(json.jobs[0].lightevalArgv).toContain('--use-chat-template');
    } finally {
      await hub.close();
    }
  });

  it('pins the revision to its Hub commit first, as run does, and plans a job per seed with --seeds', async () => {
    const hub: HubEmulator = await startHubEmulator({ modelsDir });
    try {
      const model = 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B';
      const { code, stdout, stderr } = await run(
        ['--model', model, '--benchmarks', 'aime24', '--seeds', '3', '--json'],
        { HF_ENDPOINT: hub.url },
        '/',
      );
      expect(code).toBe(0);
      const sha = /is commit ([0-9a-f]{40}) on the Hub/.exec(stderr)?.[1];
      expect(sha).toMatch(/^[0-9a-f]{40}$/);
      // The emulator's answer for main, read independently of the CLI.
      const info = (await (await fetch(`${hub.url}/api/models/${model}/revision/main`)).json()) as {
        sha: string;
      };
      expect(sha).toBe(info.sha);
      const json = JSON.parse(stdout);
      expect(json.model.revision).toBe(sha);
      expect(json.jobs.map((j: { seed: number | null }) => j.seed)).toEqual([1234, 1235, 1236]);
      for (const job of json.jobs) {
        expect(job.lightevalModelArgs).toContain(`revision=${sha}`);
        expect(job.lightevalModelArgs).toContain(`seed:${job.seed}}`);
      }
      const bad = await run(['--model', model, '--seeds', '17'], { HF_ENDPOINT: hub.url }, '/');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--seeds/);
    } finally {
      await hub.close();
    }
  });

  it('prints a readable table without --json', async () => {
    const { code, stdout } = await run(['--model', './Qwen/Qwen2.5-Math-7B']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/layout +1 node\(s\) × 8 GPUs = TP 1 × PP 1 × DP 8/);
    expect(stdout).toMatch(/warnings\n +! max_new_tokens capped/);
  });

  it('a model that does not fit: exit 2, the memory needed and the fix on stderr, nothing on stdout', async () => {
    const { code, stdout, stderr } = await run([
      '--model',
      './deepseek-ai/DeepSeek-R1-Distill-Llama-70B',
      '--gpu-memory-gib',
      '16',
      '--json',
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/does not fit: .* each GPU needs \d+\.\d GiB/);
    expect(stderr).toMatch(/\. Use --max-nodes \d+/);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    [['--model', './nope'], /does not exist/],
    [['--model', './Qwen/Qwen3-8B', '--benchmarks', 'mmlu'], /unknown benchmark 'mmlu'/],
    [
      ['--model', './Qwen/Qwen3-8B', '--gpu-memory-utilization', '2'],
      /--gpu-memory-utilization must be a number/,
    ],
    [['--model', './Qwen/Qwen3-8B', '--lighteval-version', '0.7.0'], /not supported/],
    [[], /--model is required/],
  ])('bad input %j: exit 2 with a clear message', async (argv, message) => {
    const { code, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  // A Hub that accepts the connection and never answers (a hung proxy, a stuck mirror): `plan`
  // used to wait for minutes in silence. Now each request has a deadline and the error names it.
  it('fails within --hub-timeout against a Hub endpoint that accepts and never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const { code, stdout, stderr } = await run(
        ['--model', 'org/model', '--hub-timeout', '1.5'],
        { HF_ENDPOINT: `http://127.0.0.1:${port}` },
        '/',
      );
      const elapsed = Date.now() - started;
      expect(sockets.length).toBeGreaterThan(0); // it did connect, and got no answer
      expect(code).toBe(2);
      expect(stdout).toBe('');
      // The first request is the revision pin (as `run` makes it), tried twice at a terminal.
      expect(stderr).toContain('org/model@main could not be resolved to a commit on the Hub');
      expect(stderr).toContain(
        `no answer from http://127.0.0.1:${port}/api/models/org/model/revision/main within 1.5 s`,
      );
      expect(stderr).toMatch(/--hub-timeout/);
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      expect(elapsed).toBeLessThan(6000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('refuses a --hub-timeout that is not a number of seconds', async () => {
    const { code, stderr } = await run(['--model', 'org/model', '--hub-timeout', 'soon']);
    expect(code).toBe(2);
    expect(stderr).toContain('--hub-timeout must be a number from 1 to 3600');
  });
});
