import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';

/**
 * Writes a details parquet file shaped like LightEval's: `doc`/`model_response`/`metric` structs
 * (0.10 and later) or flat `example`/`predictions` columns with a `metrics` struct (0.8–0.9).
 */
export interface DetailsFixtureProblem {
  query: string;
  score: number;
}

export function detailsParquet(
  style: 'doc-metric' | 'flat-metrics',
  metric: string,
  problems: readonly DetailsFixtureProblem[],
): ArrayBuffer {
  const utf8 = { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' } as const;
  const double = { type: 'DOUBLE', repetition_type: 'OPTIONAL' } as const;
  if (style === 'doc-metric') {
    return parquetWriteBuffer({
      columnData: [
        { name: 'doc', data: problems.map((p) => ({ query: p.query, task_name: 'math_500|0' })) },
        { name: 'metric', data: problems.map((p) => ({ [metric]: p.score })) },
        { name: 'model_response', data: problems.map((p) => ({ input: p.query })) },
      ],
      schema: [
        { name: 'root', num_children: 3 },
        { name: 'doc', num_children: 2, repetition_type: 'OPTIONAL' },
        { name: 'query', ...utf8 },
        { name: 'task_name', ...utf8 },
        { name: 'metric', num_children: 1, repetition_type: 'OPTIONAL' },
        { name: metric, ...double },
        { name: 'model_response', num_children: 1, repetition_type: 'OPTIONAL' },
        { name: 'input', ...utf8 },
      ],
    });
  }
  return parquetWriteBuffer({
    columnData: [
      { name: 'example', data: problems.map((p) => p.query) },
      { name: 'metrics', data: problems.map((p) => ({ [metric]: p.score })) },
    ],
    schema: [
      { name: 'root', num_children: 2 },
      { name: 'example', ...utf8 },
      { name: 'metrics', num_children: 1, repetition_type: 'OPTIONAL' },
      { name: metric, ...double },
    ],
  });
}

export async function writeDetailsFile(
  outputDir: string,
  model: string,
  task: string,
  timestamp: string,
  buffer: ArrayBuffer,
): Promise<string> {
  const dir = path.join(outputDir, 'details', model, timestamp);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `details_${task}_${timestamp}.parquet`);
  await writeFile(file, new Uint8Array(buffer));
  return file;
}
