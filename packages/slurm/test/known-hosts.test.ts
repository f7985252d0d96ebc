import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KnownHostsLineError, parseKnownHostsLine } from '../src/index';

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
