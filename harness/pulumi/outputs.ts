/**
 * Reading Outputs in tests: the value, whether it is known (preview), or the error an apply threw.
 */
import type * as pulumi from "@pulumi/pulumi";

/** What an Output came to. */
export type Settled<T> = { known: true; value: T } | { known: false } | { error: Error };

/** The Output's internal promise (the SDK keeps it off the public type; tests need rejections too). */
interface OutputInternals<T> {
  promise(withUnknowns?: boolean): Promise<T>;
  isKnown: Promise<boolean>;
}

/** Waits for an Output and reports its value, that it is unknown, or the error it carries. */
export async function settled<T>(output: pulumi.Output<T>): Promise<Settled<T>> {
  const o = output as unknown as OutputInternals<T>;
  try {
    const [value, known] = await Promise.all([o.promise(true), o.isKnown]);
    return known ? { known: true, value } : { known: false };
  } catch (err) {
    return { error: err as Error };
  }
}

/** The Output's value; fails when it is unknown or rejected. */
export async function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  const s = await settled(output);
  if ("error" in s) {
    throw s.error;
  }
  if (!s.known) {
    throw new Error("the output is unknown");
  }
  return s.value;
}
