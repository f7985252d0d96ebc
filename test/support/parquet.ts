import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

// hyparquet is the action package's parquet reader (the one `model-eval results` uses); the root
// test files borrow it from there rather than depend on it a second time.
const hyparquet: { parquetReadObjects: (o: { file: ArrayBuffer }) => Promise<unknown[]> } = await import(
  pathToFileURL(
    createRequire(fileURLToPath(new URL('../../packages/action/package.json', import.meta.url))).resolve(
      'hyparquet',
    ),
  ).href
);

/** Every row of a parquet file (the stand-in's details), as plain objects. */
export async function readParquet(file: string): Promise<Record<string, unknown>[]> {
  const bytes = readFileSync(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return (await hyparquet.parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
}
