/** A plan that cannot be made as asked: what happened in `message`, what to do in `hint`. */
export class PlanError extends Error {
  override name = 'PlanError';
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}
