/**
 * Exponential backoff with jitter between failed API requests, with client-go's reflector defaults
 * (k8s.io/client-go/tools/cache/reflector.go, `NewExponentialBackoffManager(800ms, 30s, 2min, 2.0, 1.0)`): the
 * delay starts at 0.8 s, doubles up to 30 s, and each wait adds up to 100 % random jitter, so thousands of agents
 * that lost the API server at the same moment do not come back in step.
 */

/** Backoff settings. */
export interface BackoffOptions {
  /** First delay in ms (default 800). */
  initialMs?: number;
  /** Largest delay before jitter in ms (default 30,000). */
  maxMs?: number;
  /** Growth per failure (default 2). */
  factor?: number;
  /** Jitter as a fraction of the delay, added on top (default 1: up to twice the delay). */
  jitter?: number;
  /** Random source in [0, 1) (tests pin it). */
  random?: () => number;
}

/** Consecutive-failure backoff. */
export class Backoff {
  private failures = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;

  /** @param options delays and jitter */
  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 800;
    this.maxMs = options.maxMs ?? 30_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 1;
    this.random = options.random ?? Math.random;
  }

  /** Failures since the last success. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Records a failure; returns how long to wait (ms) before trying again. */
  fail(): number {
    const base = Math.min(this.maxMs, this.initialMs * Math.pow(this.factor, this.failures));
    this.failures++;
    return base * (1 + this.jitter * this.random());
  }

  /** Records a success: the next failure waits the initial delay again. */
  succeed(): void {
    this.failures = 0;
  }
}
