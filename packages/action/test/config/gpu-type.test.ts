import { describe, expect, it } from 'vitest';
import { parseConfigFile, readActionInputs } from '../../src/config';

const inputs = (values: Record<string, string>) => (name: string) => values[name] ?? '';

describe('gpu-type', () => {
  it('sets gpu-memory-gib to what the device reports, unless gpu-memory-gib is given', () => {
    expect(readActionInputs(inputs({ 'gpu-type': 'h100' })).gpuMemoryGiB).toBe(79.1);
    expect(readActionInputs(inputs({ 'gpu-type': 'H200' })).gpuMemoryGiB).toBe(139.8);
    expect(readActionInputs(inputs({ 'gpu-type': 'h100', 'gpu-memory-gib': '80' })).gpuMemoryGiB).toBe(80);
  });

  it('names the known types when the input is not one', () => {
    expect(() => readActionInputs(inputs({ 'gpu-type': 'tpu' }))).toThrow(/h100, h200/);
  });

  it('fills cluster.gpu-memory-gib from cluster.gpu-type in the config file', () => {
    expect(parseConfigFile('cluster:\n  gpu-type: a100-40\n').cluster?.['gpu-memory-gib']).toBe(39.4);
    expect(
      parseConfigFile('cluster:\n  gpu-type: a100-40\n  gpu-memory-gib: 40\n').cluster?.['gpu-memory-gib'],
    ).toBe(40);
    expect(() => parseConfigFile('cluster:\n  gpu-type: v100\n')).toThrow(/gpu-type/);
  });
});
