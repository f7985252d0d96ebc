/**
 * The environment a spawned Slurm command gets on the local transport. An allow-list, not a deny-list:
 * the runner's environment holds INPUT_SSH_PRIVATE_KEY, INPUT_HF_TOKEN, GITHUB_TOKEN, ACTIONS_* tokens
 * and whatever a workflow exported, and a name we did not think of must not reach sbatch (whose
 * default --export=ALL would give it to the job) or any other child.
 */
const ALLOWED = new Set(['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR']);

/**
 * `SLURM_CONF` says which cluster the commands talk to. The other SLURM_*, SBATCH_*, SQUEUE_* and
 * SACCT_* variables change what the commands do (SBATCH_EXPORT=ALL, SLURM_TIME_FORMAT changes the
 * output we parse), so they are dropped: the commands behave the same on every runner.
 */
const ALLOWED_SLURM = new Set(['SLURM_CONF']);

export function scrubbedEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (ALLOWED.has(name) || ALLOWED_SLURM.has(name) || /^LC_[A-Z]+$/.test(name)) out[name] = value;
  }
  return out;
}
