import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
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
  return hostKeyOf(keyType, base64);
}

/** The key of a line's `keytype base64` fields, checked against the type its blob names. */
function hostKeyOf(keyType: string | undefined, base64: string | undefined): PinnedHostKey {
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

// ---------------------------------------------------------------- known_hosts files

/** The keys a known_hosts file pins for one host, as OpenSSH reads the file (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT). */
export interface HostKeyPins {
  /** Plain entries for the host: any one of them is accepted (a server may hold several key types). */
  keys: PinnedHostKey[];
  /** `@revoked` entries: the server showing one of these is refused, whatever else is pinned. */
  revoked: PinnedHostKey[];
  /** `@cert-authority` entries for the host: not supported (ssh2 does not verify host certificates). */
  certAuthorities: number;
}

/** The name OpenSSH looks a host up by: `host` on port 22, `[host]:port` otherwise (lowercased). */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

/**
 * A hashed host entry `|1|base64(salt)|base64(hmac)` (ssh-keygen -H, `HashKnownHosts yes`): the
 * HMAC-SHA1 of the name under the salt (OpenSSH hostfile.c host_hash).
 */
function hashedNameMatches(entry: string, name: string): boolean {
  const parts = entry.split('|');
  if (parts.length !== 4 || parts[0] !== '' || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const expected = Buffer.from(parts[3] ?? '', 'base64');
  if (salt.length !== 20 || expected.length !== 20) return false;
  const actual = createHmac('sha1', salt).update(name).digest();
  return timingSafeEqual(actual, expected);
}

/** `*` and `?` as OpenSSH's match_pattern reads them; everything else literal, case-insensitive. */
function wildcardMatches(pattern: string, name: string): boolean {
  const escaped = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`).test(name);
}

/**
 * Whether a line's host field names `name`: one hashed entry, or comma-separated patterns where a
 * negated `!pattern` that matches vetoes the line (OpenSSH match.c match_hostname).
 */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return hashedNameMatches(field, name);
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (wildcardMatches(pattern.slice(1), name)) return false;
    } else if (wildcardMatches(pattern, name)) matched = true;
  }
  return matched;
}

/**
 * Every entry of a known_hosts file that applies to `host`:`port`. Lines for other hosts, comments
 * and blank lines are skipped (like OpenSSH, an unreadable line for another host is no error); a
 * line for this host whose key cannot be read is an error, since it was meant to pin this host.
 */
export function hostKeysFromKnownHosts(text: string, host: string, port: number): HostKeyPins {
  const name = knownHostsName(host, port);
  const pins: HostKeyPins = { keys: [], revoked: [], certAuthorities: 0 };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
    const [hosts, keyType, base64] = fields;
    if (hosts === undefined || !hostFieldMatches(hosts, name)) continue;
    if (marker === '@cert-authority') {
      pins.certAuthorities += 1;
      continue;
    }
    if (marker !== undefined && marker !== '@revoked') {
      throw new KnownHostsLineError(
        `A known_hosts line for ${name} starts with the unknown marker ${marker}.`,
        'OpenSSH knows only @revoked and @cert-authority; remove the marker or the line.',
      );
    }
    const key = hostKeyOf(keyType, base64);
    (marker === '@revoked' ? pins.revoked : pins.keys).push(key);
  }
  return pins;
}

/** A known_hosts file's pins for `host`:`port`, refusing a file that pins nothing usable for it. */
export function requireHostKeys(text: string, host: string, port: number): HostKeyPins {
  const pins = hostKeysFromKnownHosts(text, host, port);
  const name = knownHostsName(host, port);
  if (pins.keys.length > 0) return pins;
  if (pins.certAuthorities > 0) {
    throw new KnownHostsLineError(
      `The known_hosts entries for ${name} are @cert-authority lines only; host certificates are not supported.`,
      `Pin the host's own key instead: add its line from \`ssh-keyscan -p ${port} ${host}\`, checked against a fingerprint from your admin.`,
    );
  }
  throw new KnownHostsLineError(
    `No known_hosts entry pins a host key for ${name}${pins.revoked.length > 0 ? ' (only @revoked ones)' : ''}.`,
    `OpenSSH looks the host up as '${name}' (hashed entries too); add its line from \`ssh-keyscan -p ${port} ${host}\`, checked against a fingerprint from your admin.`,
  );
}
