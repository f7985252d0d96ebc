import { describe, expect, it } from 'vitest';
import { createLocalTransport, scrubbedEnvironment } from '../src/index';

const hostile = {
  PATH: '/usr/bin:/bin',
  HOME: '/home/runner',
  LANG: 'C.UTF-8',
  LC_ALL: 'C',
  SLURM_CONF: '/etc/slurm/slurm.conf',
  INPUT_SSH_PRIVATE_KEY: '-----BEGIN OPENSSH PRIVATE KEY-----',
  INPUT_HF_TOKEN: 'hf_secret',
  INPUT_GITHUB_TOKEN: 'ghs_secret',
  GITHUB_TOKEN: 'ghs_secret2',
  HF_TOKEN: 'hf_secret2',
  ACTIONS_RUNTIME_TOKEN: 'rt',
  SSH_AUTH_SOCK: '/tmp/agent.sock',
  SBATCH_EXPORT: 'ALL',
  SLURM_TIME_FORMAT: '%s',
  SOMETHING_NEW_TOKEN: 'x',
};

describe('scrubbedEnvironment', () => {
  it('keeps only what Slurm commands need: an allow-list, so unknown names are dropped too', () => {
    expect(scrubbedEnvironment(hostile)).toEqual({
      PATH: '/usr/bin:/bin',
      HOME: '/home/runner',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      SLURM_CONF: '/etc/slurm/slurm.conf',
    });
  });
});

describe('the local transport', () => {
  it('spawns commands without the runner’s secrets in their environment', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { INPUT_HF_TOKEN: 'hf_secret', GITHUB_TOKEN: 'ghs_secret' });
    try {
      const { stdout } = await createLocalTransport().exec(['env']);
      expect(stdout).not.toContain('hf_secret');
      expect(stdout).not.toContain('ghs_secret');
      expect(stdout).toContain('PATH=');
    } finally {
      process.env = saved;
    }
  });
});
