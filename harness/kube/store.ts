/**
 * The fake API's object store: objects per resource, one resourceVersion counter for everything (as etcd's
 * revision), and a bounded history of changes from which watches resume, like the API server's watch cache
 * (k8s.io/apiserver/pkg/storage/cacher/watch_cache.go: a ring of recent events; a watch from a version older than
 * the oldest kept event minus one is "too old"). Objects are kept as JSON text plus the few fields selectors read,
 * so 150,000 realistic pods fit.
 */
import * as crypto from "crypto";
import type { Labels } from "../../agent/src/kube/labelSelector";
import { CORE_RESOURCES, KubeObject, ResourceType } from "./resources";

/** One stored object. */
export interface StoredObject {
  /** `namespace/name` or `name`. */
  key: string;
  /** resourceVersion. */
  rv: number;
  /** The object as JSON. */
  json: string;
  /** Its selectable fields. */
  fields: Record<string, string>;
  /** Its labels. */
  labels: Labels;
  /** Its namespace ("" for cluster-scoped objects). */
  namespace: string;
}

/** A change, as the history keeps it. */
export interface ChangeEvent {
  /** resourceVersion of the change. */
  rv: number;
  /** What happened. */
  type: "ADDED" | "MODIFIED" | "DELETED";
  /** Plural of the resource. */
  resource: string;
  /** The object after the change (for DELETED: its last state, carrying the deletion's resourceVersion). */
  object: StoredObject;
  /** The object before the change (MODIFIED and DELETED). */
  previous?: StoredObject;
  /** When the change was committed (ms epoch): what end-to-end latencies are measured from. */
  time: number;
}

/** Store settings. */
export interface ObjectStoreOptions {
  /** Changes kept for watches to resume from (default 10,000). */
  historySize?: number;
  /** Resource types (default the core ones). */
  resources?: readonly ResourceType[];
  /** First resourceVersion (default 1000). */
  firstResourceVersion?: number;
}

const keyOf = (r: ResourceType, o: KubeObject): string =>
  r.namespaced ? `${o.metadata.namespace ?? "default"}/${o.metadata.name}` : o.metadata.name;

/** The store. */
export class ObjectStore {
  private readonly types = new Map<string, ResourceType>();
  private readonly objects = new Map<string, Map<string, StoredObject>>();
  private history: ChangeEvent[] = [];
  private rv: number;
  private floor: number;
  private readonly historySize: number;
  private readonly listeners = new Set<(e: ChangeEvent) => void>();

  /** @param options history size, resource types */
  constructor(options: ObjectStoreOptions = {}) {
    this.historySize = options.historySize ?? 10_000;
    this.rv = options.firstResourceVersion ?? 1000;
    this.floor = this.rv;
    for (const r of options.resources ?? CORE_RESOURCES) {
      this.register(r);
    }
  }

  /** Adds a resource type. */
  register(r: ResourceType): void {
    this.types.set(r.plural, r);
    this.objects.set(r.plural, this.objects.get(r.plural) ?? new Map());
  }

  /** The type of a resource, if served. */
  resource(plural: string): ResourceType | undefined {
    return this.types.get(plural);
  }

  /** Every served type. */
  resources(): ResourceType[] {
    return [...this.types.values()];
  }

  /** The current resourceVersion. */
  get currentRv(): number {
    return this.rv;
  }

  /** Number of objects of a resource. */
  count(plural: string): number {
    return this.table(plural).size;
  }

  /** Calls `listener` for every committed change; returns the unsubscribe function. */
  subscribe(listener: (e: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Inserts objects without recording changes (a cluster that existed before anyone watched): history starts
   * after them.
   */
  seed(plural: string, objects: Iterable<KubeObject>): void {
    for (const o of objects) {
      this.put(plural, this.prepare(plural, o));
    }
    this.floor = this.rv;
    this.history = [];
  }

  /** Creates an object (uid, resourceVersion and creationTimestamp are filled in when missing). */
  create(plural: string, object: KubeObject): KubeObject {
    const r = this.typeOf(plural);
    if (this.table(plural).has(keyOf(r, object))) {
      throw new Error(`${plural} ${keyOf(r, object)} already exists`);
    }
    const stored = this.prepare(plural, object);
    this.put(plural, stored);
    this.record({ rv: stored.rv, type: "ADDED", resource: plural, object: stored, time: Date.now() });
    return JSON.parse(stored.json) as KubeObject;
  }

  /** Changes an object in place; returns the new version (undefined when it does not exist). */
  update(plural: string, key: string, mutate: (o: KubeObject) => void): KubeObject | undefined {
    const previous = this.table(plural).get(key);
    if (!previous) {
      return undefined;
    }
    const o = JSON.parse(previous.json) as KubeObject;
    mutate(o);
    const stored = this.toStored(plural, o, ++this.rv);
    this.put(plural, stored);
    this.record({
      rv: stored.rv,
      type: "MODIFIED",
      resource: plural,
      object: stored,
      previous,
      time: Date.now(),
    });
    return o;
  }

  /** Deletes an object; returns its last state (undefined when it does not exist). */
  delete(plural: string, key: string): KubeObject | undefined {
    const previous = this.table(plural).get(key);
    if (!previous) {
      return undefined;
    }
    this.table(plural).delete(key);
    const o = JSON.parse(previous.json) as KubeObject;
    const stored = this.toStored(plural, o, ++this.rv);
    this.record({
      rv: stored.rv,
      type: "DELETED",
      resource: plural,
      object: stored,
      previous,
      time: Date.now(),
    });
    return o;
  }

  /** One object, parsed. */
  get(plural: string, key: string): KubeObject | undefined {
    const s = this.table(plural).get(key);
    return s ? (JSON.parse(s.json) as KubeObject) : undefined;
  }

  /** All objects of a resource, in key order (the order etcd lists them in). */
  list(plural: string): StoredObject[] {
    return [...this.table(plural).values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * Changes of a resource after `rv`, or the oldest version still known when `rv` is too old: the watch cache
   * refuses `rv < oldest - 1`.
   */
  changesSince(plural: string, rv: number): ChangeEvent[] | { tooOld: true; oldestMinusOne: number } {
    const oldest = this.history.length > 0 ? this.history[0].rv : this.floor + 1;
    if (rv < oldest - 1) {
      return { tooOld: true, oldestMinusOne: oldest - 1 };
    }
    return this.history.filter((e) => e.rv > rv && e.resource === plural);
  }

  /** Forgets every recorded change (as a compaction would): watches from older versions get 410. */
  compact(): void {
    this.history = [];
    this.floor = this.rv;
  }

  private typeOf(plural: string): ResourceType {
    const r = this.types.get(plural);
    if (!r) {
      throw new Error(`resource ${plural} is not served`);
    }
    return r;
  }

  private table(plural: string): Map<string, StoredObject> {
    this.typeOf(plural);
    return this.objects.get(plural) as Map<string, StoredObject>;
  }

  private prepare(plural: string, object: KubeObject): StoredObject {
    const r = this.typeOf(plural);
    const o = JSON.parse(JSON.stringify(object)) as KubeObject;
    o.apiVersion ??= r.apiVersion;
    o.kind ??= r.kind;
    if (r.namespaced) {
      o.metadata.namespace ??= "default";
    }
    o.metadata.uid ??= crypto.randomUUID();
    o.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, "Z");
    return this.toStored(plural, o, ++this.rv);
  }

  private toStored(plural: string, o: KubeObject, rv: number): StoredObject {
    const r = this.typeOf(plural);
    o.metadata.resourceVersion = String(rv);
    return {
      key: keyOf(r, o),
      rv,
      json: JSON.stringify(o),
      fields: r.fields(o),
      labels: o.metadata.labels,
      namespace: r.namespaced ? (o.metadata.namespace ?? "") : "",
    };
  }

  private put(plural: string, stored: StoredObject): void {
    this.table(plural).set(stored.key, stored);
  }

  private record(e: ChangeEvent): void {
    this.history.push(e);
    if (this.history.length > this.historySize) {
      this.history = this.history.slice(this.history.length - this.historySize);
    }
    for (const l of this.listeners) {
      l(e);
    }
  }
}
