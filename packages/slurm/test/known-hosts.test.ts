import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  hostKeysFromKnownHosts,
  KnownHostsLineError,
  openSshFingerprint,
  parseKnownHostsLine,
  requireHostKeys,
} from '../src/index';

describe('parseKnownHostsLine', () => {
  it.each(['ed25519', 'ecdsa', 'rsa'])(
    'computes the same SHA256 fingerprint as ssh-keygen for an %s key',
    (type) => {
      const dir = mkdtempSync(join(tmpdir(), 'known-hosts-'));
      const keyPath = join(dir, 'key');
      execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', keyPath]);
      const publicKey = readFileSync(`${keyPath}.pub`, 'utf8').trim();
      const expected = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${keyPath}.pub`], {
        encoding: 'utf8',
      }).split(' ')[1];
      const pinned = parseKnownHostsLine(`[login.example.org]:2222 ${publicKey}`);
      expect(pinned.fingerprint).toBe(expected);
      expect(pinned.keyType).toBe(publicKey.split(' ')[0]);
    },
  );

  it('refuses lines that are not a plain host key', () => {
    expect(() => parseKnownHostsLine('@cert-authority *.example.org ssh-ed25519 AAAA')).toThrow(
      KnownHostsLineError,
    );
    expect(() => parseKnownHostsLine('SHA256:Y3IIAfRPmifRzzfeTasKkov4uRiD48uMlaFUSIrXO5g')).toThrow(
      KnownHostsLineError,
    );
    expect(() => parseKnownHostsLine('host ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ')).toThrow(
      KnownHostsLineError,
    );
  });
});

// Fixtures are made by the real OpenSSH: keys by ssh-keygen, hashed entries by `ssh-keygen -H -f FILE`
// (HashKnownHosts, the Debian/Ubuntu default), and `ssh-keygen -F NAME -f FILE` is the ground truth
// for which entries OpenSSH finds for a name.
function makeKey(dir: string, name: string, type = 'ed25519'): { line: string; fingerprint: string } {
  const keyPath = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', keyPath]);
  const [keyType, base64] = readFileSync(`${keyPath}.pub`, 'utf8').trim().split(' ');
  return {
    line: `${keyType} ${base64}`,
    fingerprint: openSshFingerprint(Buffer.from(base64 ?? '', 'base64')),
  };
}

function hashed(dir: string, text: string): string {
  const file = join(dir, `known_hosts_${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text);
  execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
  return readFileSync(file, 'utf8');
}

/** The key lines OpenSSH itself finds for `name` in `text` (ssh-keygen -F). */
function openSshFinds(dir: string, text: string, name: string): string[] {
  const file = join(dir, 'lookup');
  writeFileSync(file, text);
  try {
    return execFileSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
  } catch {
    return []; // exit 1: not found
  }
}

describe('hostKeysFromKnownHosts (known_hosts as OpenSSH reads it)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'known-hosts-file-'));
  const a = makeKey(dir, 'a');
  const b = makeKey(dir, 'b', 'ecdsa');
  const c = makeKey(dir, 'c');

  it('finds hashed entries (ssh-keygen -H) for host on port 22 and [host]:port elsewhere', () => {
    const text = hashed(
      dir,
      `login.example.org ${a.line}\n[login.example.org]:2222 ${b.line}\nother.example.org ${c.line}\n`,
    );
    expect(text).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /m);
    expect(text).not.toContain('example.org');
    const on22 = hostKeysFromKnownHosts(text, 'login.example.org', 22);
    expect(on22.keys.map((k) => k.fingerprint)).toEqual([a.fingerprint]);
    const on2222 = hostKeysFromKnownHosts(text, 'LOGIN.example.org', 2222);
    expect(on2222.keys.map((k) => k.fingerprint)).toEqual([b.fingerprint]);
    expect(hostKeysFromKnownHosts(text, 'login.example.org', 2200).keys).toEqual([]);
    // The same answers as OpenSSH's own lookup.
    expect(openSshFinds(dir, text, 'login.example.org')).toHaveLength(1);
    expect(openSshFinds(dir, text, '[login.example.org]:2222')).toHaveLength(1);
    expect(openSshFinds(dir, text, '[login.example.org]:2200')).toHaveLength(0);
  });

  it('matches comma-separated names, simple wildcards and negations like ssh-keygen -F', () => {
    const text = [
      `login1.example.org,10.0.0.5 ${a.line}`,
      `*.cluster.example.org,!bad.cluster.example.org ${b.line}`,
      `[node?.example.org]:2222 ${c.line}`,
    ].join('\n');
    const cases: Array<[string, number, string[]]> = [
      ['10.0.0.5', 22, [a.fingerprint]],
      ['login1.example.org', 22, [a.fingerprint]],
      ['login2.example.org', 22, []],
      ['gpu.cluster.example.org', 22, [b.fingerprint]],
      ['bad.cluster.example.org', 22, []],
      ['node7.example.org', 2222, [c.fingerprint]],
      ['node17.example.org', 2222, []],
    ];
    for (const [host, port, expected] of cases) {
      const found = hostKeysFromKnownHosts(text, host, port).keys.map((k) => k.fingerprint);
      expect(found, `${host}:${port}`).toEqual(expected);
      const name = port === 22 ? host : `[${host}]:${port}`;
      expect(openSshFinds(dir, text, name).length, `ssh-keygen -F ${name}`).toBe(expected.length);
    }
  });

  it('returns every key of a host (any key type the server shows is accepted)', () => {
    const text = hashed(dir, `login.example.org ${a.line}\nlogin.example.org ${b.line}\n`);
    const pins = requireHostKeys(text, 'login.example.org', 22);
    expect(pins.keys.map((k) => k.keyType)).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
  });

  it('keeps @revoked keys apart and refuses a file with only revoked or CA entries for the host', () => {
    const text = `@revoked login.example.org ${c.line}\nlogin.example.org ${a.line}\n`;
    const pins = requireHostKeys(text, 'login.example.org', 22);
    expect(pins.revoked.map((k) => k.fingerprint)).toEqual([c.fingerprint]);
    expect(pins.keys.map((k) => k.fingerprint)).toEqual([a.fingerprint]);
    expect(() => requireHostKeys(`@revoked login.example.org ${c.line}\n`, 'login.example.org', 22)).toThrow(
      /only @revoked/,
    );
    expect(() =>
      requireHostKeys(`@cert-authority *.example.org ${c.line}\n`, 'login.example.org', 22),
    ).toThrow(/@cert-authority.*not supported/);
    const withCa = requireHostKeys(
      `@cert-authority *.example.org ${c.line}\nlogin.example.org ${a.line}\n`,
      'login.example.org',
      22,
    );
    expect(withCa).toMatchObject({ certAuthorities: 1, keys: [{ fingerprint: a.fingerprint }] });
  });

  it('says which name it looked for when nothing matches', () => {
    expect(() => requireHostKeys(`other.example.org ${a.line}\n`, 'login.example.org', 2222)).toThrow(
      KnownHostsLineError,
    );
    expect(() => requireHostKeys(`other.example.org ${a.line}\n`, 'login.example.org', 2222)).toThrow(
      /\[login\.example\.org\]:2222/,
    );
  });

  it('skips unreadable lines for other hosts but refuses a broken key for this host', () => {
    const text = `other.example.org ssh-ed25519 !!!\n# comment\n\nlogin.example.org ${a.line}\n`;
    expect(requireHostKeys(text, 'login.example.org', 22).keys).toHaveLength(1);
    expect(() => requireHostKeys('login.example.org ssh-ed25519 AAAA\n', 'login.example.org', 22)).toThrow(
      KnownHostsLineError,
    );
  });
});
