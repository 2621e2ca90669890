// An independent observer of a kernel set: `nft monitor` in the namespace, replayed transaction by transaction
// (nft monitor prints each transaction's elements, then "# new generation N by process P"), with the time each
// transaction was seen. Latencies are measured from the fake API's commit time of a change to the first
// transaction after which the set agrees with it.
import { ChildProcess, spawn } from "child_process";

/** One observed transaction on the watched set. */
interface Transaction {
  /** When its generation line arrived (ms epoch). */
  time: number;
  /** Elements it touched and whether they are present after it. */
  touched: Map<string, boolean>;
}

/** Watches one set of one table in a namespace. */
export class SetObserver {
  /** Transactions that touched the set, in order. */
  readonly transactions: Transaction[] = [];
  /** Current elements. */
  readonly elements = new Set<string>();
  private pending = new Map<string, boolean>();
  private readonly proc: ChildProcess;
  private buffer = "";

  /**
   * @param ns network namespace
   * @param table table name
   * @param set set name
   */
  constructor(ns: string, table: string, set: string) {
    const line = new RegExp(`^(add|delete) element ip ${table} ${set} \\{ (.*) \\}$`);
    this.proc = spawn("ip", ["netns", "exec", ns, "nft", "monitor"], { stdio: ["ignore", "pipe", "ignore"] });
    this.proc.stdout?.setEncoding("utf8");
    this.proc.stdout?.on("data", (chunk: string) => {
      const now = Date.now();
      this.buffer += chunk;
      let nl = this.buffer.indexOf("\n");
      while (nl >= 0) {
        const text = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        nl = this.buffer.indexOf("\n");
        const m = line.exec(text);
        if (m) {
          for (const e of m[2].split(", ")) {
            this.pending.set(e, m[1] === "add");
          }
        } else if (text.startsWith("# new generation") && this.pending.size > 0) {
          for (const [e, present] of this.pending) {
            if (present) {
              this.elements.add(e);
            } else {
              this.elements.delete(e);
            }
          }
          this.transactions.push({ time: now, touched: this.pending });
          this.pending = new Map();
        }
      }
    });
  }

  /** Ms from `since` to the first transaction at or after it that leaves `element` present (or absent). */
  latency(element: string, present: boolean, since: number): number | undefined {
    for (const t of this.transactions) {
      if (t.time >= since && t.touched.get(element) === present) {
        return t.time - since;
      }
    }
    return undefined;
  }

  /** Stops the monitor. */
  stop(): void {
    this.proc.kill();
  }
}
