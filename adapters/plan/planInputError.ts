/**
 * A mistake in what the plan was given (an option, a file, its content): one line naming the flag and file, exit 2.
 */
export class PlanInputError extends Error {
  /** The option concerned, e.g. `--describe-vpcs`. */
  readonly flag: string;
  /** The file concerned, when the mistake is in a file. */
  readonly file?: string;
  constructor(flag: string, file: string | undefined, reason: string) {
    super(`${flag}${file ? ` ${file}` : ""}: ${reason}`);
    this.name = "PlanInputError";
    this.flag = flag;
    this.file = file;
  }
}
