import { createHash } from 'node:crypto';
import { KnownHostsLineError } from './errors';

export interface PinnedHostKey {
  /** e.g. `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`. */
  keyType: string;
  /** The key blob as sent by the server during key exchange. */
  key: Buffer;
  /** OpenSSH's `SHA256:…` fingerprint of `key`. */
  fingerprint: string;
}

/**
 * OpenSSH's fingerprint: SHA-256 of the key blob, base64 without padding. ssh2 hands `hostVerifier`
 * the raw blob (or a hex digest with `hostHash`); we always hash the blob ourselves so the two sides
 * compare in the form users see from `ssh-keygen -lf`.
 */
export function openSshFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Reads one `known_hosts` line: `[markers] hostnames keytype base64 [comment]`. The host names are
 * not matched (the line was given for this connection); the key is what is pinned.
 */
export function parseKnownHostsLine(line: string): PinnedHostKey {
  const fields = line.trim().split(/\s+/);
  if (fields[0]?.startsWith('@')) {
    throw new KnownHostsLineError(
      `The known_hosts line starts with the marker ${fields[0]}; only a plain host key can be pinned.`,
      'Pass the line for the host key itself, as printed by `ssh-keyscan -p PORT HOST`.',
    );
  }
  const [, keyType, base64] = fields;
  if (keyType === undefined || base64 === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new KnownHostsLineError(
      'The known_hosts line does not have the form `hosts keytype base64-key`.',
      'Pass one line as printed by `ssh-keyscan -p PORT HOST` (for example `[login.example.org]:22 ssh-ed25519 AAAAC3…`).',
    );
  }
  const key = Buffer.from(base64, 'base64');
  // The blob starts with its own type name (uint32 length + string): a cheap guard against a pasted
  // fingerprint or a truncated key.
  const innerLength = key.length >= 4 ? key.readUInt32BE(0) : -1;
  const innerType =
    innerLength > 0 && 4 + innerLength <= key.length ? key.subarray(4, 4 + innerLength).toString() : '';
  if (innerType !== keyType) {
    throw new KnownHostsLineError(
      `The known_hosts key is not a valid ${keyType} key (its blob says "${innerType || 'nothing'}").`,
      'The line may be truncated or edited; copy it again from `ssh-keyscan`.',
    );
  }
  return { keyType, key, fingerprint: openSshFingerprint(key) };
}

/** ssh2's names for the host key algorithms that present a key of `keyType`. */
export function hostKeyAlgorithmsFor(keyType: string): string[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return [keyType];
}
