/**
 * An error the user can fix: it names where the problem is (file, record, key) and what was expected.
 * Stage CLIs print these without a stack trace and exit non-zero; anything else is a bug and keeps its stack.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message);
    this.name = 'UserError';
  }
}

/**
 * A filesystem error (EACCES, ELOOP, ENOTDIR, ...) on an input as a UserError naming the path: the user fixes a
 * permission or a link, and a stack trace would not help. Anything without an errno code is returned as it was.
 */
export function fsUserError(error: unknown, path: string, what: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !(error instanceof Error)) return error;
  // Node's message is "EACCES: permission denied, scandir '/x'": keep the code and its words, the path is ours.
  const reason = error.message.split(', ')[0] || code;
  return new UserError(`cannot read ${what} (${reason})`, path);
}

/** Runs a CLI entry point: a UserError prints one clear line, anything else its stack; both exit 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof UserError) {
      process.stderr.write(`error: ${error.message}\n`);
    } else {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.exitCode = 1;
  });
}
