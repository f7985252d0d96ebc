/**
 * The hidden HTML comment that identifies the sticky comment of one model on one PR. `--` cannot
 * occur in an HTML comment, and model ids never contain it, but the id is cleaned anyway.
 */
export function reportMarker(model: string): string {
  const id = model.replace(/[^A-Za-z0-9._/-]/g, '_').replace(/-{2,}/g, '-');
  return `<!-- model-eval-report model=${id} -->`;
}
