import { DomainError } from "../../src/domain/errors.js";

/** Runs `fn`, expecting it to fail with a DomainError, and returns that error (anything else is rethrown). */
export async function failure(fn: () => Promise<unknown>): Promise<DomainError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error("expected a failure");
}
