import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config';
import { eventGuardFacts, guardEvent } from '../../src/guard';
import { useGuardEmulator } from './guard-emulator';

// A PR labelled `evaluate` by a triager, on a PR that already carries a hostile `evaluate:<x>` label.
const HOSTILE_LABEL = 'evaluate:<img src=x onerror=alert(1)>\n@team';
const labeledByTriager = {
  action: 'labeled',
  number: 7,
  label: { name: 'evaluate' },
  pull_request: {
    number: 7,
    labels: [{ name: 'evaluate' }, { name: HOSTILE_LABEL }],
    head: { sha: 'abc', ref: 'feature', repo: { full_name: 'octo-org/models' } },
    base: { ref: 'main', repo: { full_name: 'octo-org/models' } },
  },
  repository: { name: 'models', full_name: 'octo-org/models', owner: { login: 'octo-org' } },
  sender: { login: 'triager' },
};

describe('guardEvent (runs before input and label validation)', () => {
  const { github, octokit } = useGuardEmulator();

  it('today the label validation fails first and echoes the label: the ordering matters', () => {
    // What resolveSettings (the step before the old guard) does with this event.
    let message = '';
    try {
      resolveSettings({
        eventName: 'pull_request_target',
        eventPayload: labeledByTriager,
        getInput: (name) => (name === 'model' ? 'org/model' : ''),
        setSecret: () => {},
        readConfigFile: () => undefined,
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('<img');
  });

  it('a triager gets a neutral skip that echoes nothing the event author wrote', async () => {
    github().setPermission('triager', 'triage');
    const decision = await guardEvent(octokit(), 'pull_request_target', labeledByTriager);
    expect(decision.kind).toBe('skip');
    if (decision.kind !== 'skip') return;
    expect(decision.reason).toBe('insufficient-permission');
    expect(decision.message).toContain('@triager');
    expect(decision.message).not.toContain('<img');
    expect(decision.message).not.toContain('evaluate:');
    expect(decision.message).not.toContain('@team');
  });

  it('a writer passes on to the full checks', async () => {
    github().setPermission('triager', 'write');
    expect((await guardEvent(octokit(), 'pull_request_target', labeledByTriager)).kind).toBe('allow');
  });

  it('tag pushes and schedules need no lookup; a checked event without a sender is skipped', async () => {
    expect(eventGuardFacts('push', {})).toEqual({ needsCheck: false });
    expect(eventGuardFacts('schedule', {})).toEqual({ needsCheck: false });
    const { sender: _s, ...anonymous } = labeledByTriager;
    expect((await guardEvent(octokit(), 'workflow_dispatch', anonymous)).kind).toBe('skip');
    await expect(guardEvent(undefined, 'workflow_dispatch', labeledByTriager)).rejects.toThrow(
      /needs a permission check/,
    );
  });

  it('a forged login cannot carry markup into the message', async () => {
    const forged = { ...labeledByTriager, sender: { login: 'x<b>@all\n' } };
    const decision = await guardEvent(octokit(), 'pull_request_target', forged);
    expect(decision.kind === 'skip' && decision.message).toMatch(/@x\?b\?\?all\? has/);
  });
});
