/** HamokRecord: one replicated object whose fields are set independently through the Raft log. */
import type { EventEmitter } from "eventemitter3";
import { createJsonCodec, type HamokCodec } from "./codec.js";
import type { StorageConnection } from "./contract.js";
import { GuardedEmitter } from "./guarded-emitter.js";
import { type HamokMapEvents, type HamokMapSnapshot, MapBase } from "./map-base.js";

/** The shape of a record: field name → value. */
export type HamokRecordObject = Record<string, unknown>;

/** A field name of a record type. */
export type HamokRecordField<T extends HamokRecordObject> = keyof T & string;

/** Events of a record, fired on every peer in log order. */
export type HamokRecordEvents<T extends HamokRecordObject> = {
  insert: [field: HamokRecordField<T>, value: T[HamokRecordField<T>]];
  update: [field: HamokRecordField<T>, oldValue: T[HamokRecordField<T>], newValue: T[HamokRecordField<T>]];
  remove: [field: HamokRecordField<T>, value: T[HamokRecordField<T>]];
  clear: [];
  close: [];
};

/** The exported state of a record: encoded field names and values. */
export type HamokRecordSnapshot = HamokMapSnapshot;

/** Options of {@link HamokRecord}. */
export interface HamokRecordOptions<T extends HamokRecordObject> {
  /** The storage id (the connection's). */
  readonly recordId: string;
  /** Per-field codecs; a field without one uses JSON as UTF-8. Every peer must use equivalent codecs. */
  readonly payloadCodecs?: { readonly [P in HamokRecordField<T>]?: HamokCodec<T[P]> };
  /**
   * Fields to give the record when it is created: they are inserted through the log (a field that
   * already has a value keeps it), and {@link HamokRecord.ready} resolves once that is applied.
   */
  readonly initialObject?: Partial<T>;
  /** Timeout of each request; default Hamok's. */
  readonly requestTimeoutInMs?: number;
}

const fieldCodec = {
  encode: (field: string) => new TextEncoder().encode(field),
  decode: (bytes: Uint8Array) => new TextDecoder().decode(bytes),
} satisfies HamokCodec<string>;

const defaultCodec = createJsonCodec<unknown>();

/** The fields as a map of field name → value with a codec per field. */
class RecordFields extends MapBase<string, unknown, HamokMapEvents<string, unknown>> {
  constructor(
    connection: StorageConnection,
    id: string,
    private readonly codecs: Readonly<Record<string, HamokCodec<unknown> | undefined>>,
    requestTimeoutInMs: number | undefined,
  ) {
    super(
      connection,
      "record",
      id,
      requestTimeoutInMs === undefined ? { keyCodec: fieldCodec } : { keyCodec: fieldCodec, requestTimeoutInMs },
    );
  }

  private codec(field: string): HamokCodec<unknown> {
    // Own keys only: a field named `constructor` or `toString` must not pick up Object.prototype's member.
    return (Object.hasOwn(this.codecs, field) ? this.codecs[field] : undefined) ?? defaultCodec;
  }

  protected override encodeValue(field: string, value: unknown): Uint8Array {
    super.encodeValue(field, value);
    return this.codec(field).encode(value);
  }

  protected override decodeValue(field: string, bytes: Uint8Array): unknown {
    return this.codec(field).decode(bytes);
  }
}

/**
 * A replicated object. Reads are local; mutations go through the log. Events fire on every peer.
 */
export class HamokRecord<T extends HamokRecordObject> extends GuardedEmitter<HamokRecordEvents<T>> {
  /** The storage id. */
  readonly id: string;
  private readonly fields: RecordFields;
  private readonly initialized: Promise<void>;

  constructor(connection: StorageConnection, options: HamokRecordOptions<T>) {
    super((event, error) => connection.reportListenerError(event, error));
    this.id = options.recordId;
    this.fields = new RecordFields(
      connection,
      options.recordId,
      (options.payloadCodecs ?? {}) as Record<string, HamokCodec<unknown>>,
      options.requestTimeoutInMs,
    );
    const forward = this as unknown as EventEmitter<Record<string, unknown[]>>;
    for (const event of ["insert", "update", "remove", "clear", "close"] as const) {
      this.fields.on(event, (...args: unknown[]) => forward.emit(event, ...args));
    }
    const initial = Object.entries(options.initialObject ?? {}).filter(([, value]) => value !== undefined);
    this.initialized =
      initial.length === 0
        ? connection.ready
        : connection.ready.then(async () => {
            await this.fields.insertAll(initial);
          });
    // The caller may never await `ready`; a failure still surfaces there, not as an unhandled rejection.
    this.initialized.catch(() => {});
  }

  /** Whether the record is closed. */
  get closed(): boolean {
    return this.fields.closed;
  }

  /** Resolves when Hamok is ready and the `initialObject` fields were inserted. */
  get ready(): Promise<void> {
    return this.initialized;
  }

  /** A decoded copy of every field (local read). */
  get instance(): Partial<T> {
    const out: Record<string, unknown> = {};
    // defineProperty: assigning `__proto__` would set the prototype instead of a field.
    for (const [field, value] of this.fields.entries()) {
      Object.defineProperty(out, field, { value, enumerable: true, writable: true, configurable: true });
    }
    return out as Partial<T>;
  }

  /** Linearizable read barrier. */
  sync(): Promise<void> {
    return this.fields.sync();
  }

  /** A field's value (local read). */
  get<P extends HamokRecordField<T>>(field: P): T[P] | undefined {
    return this.fields.get(field) as T[P] | undefined;
  }

  /** Sets a field; resolves with its previous value. */
  async set<P extends HamokRecordField<T>>(field: P, value: T[P]): Promise<T[P] | undefined> {
    return (await this.fields.set(field, value)) as T[P] | undefined;
  }

  /** Sets a field only if it has no value; resolves with the existing value (`undefined`: inserted). */
  async insert<P extends HamokRecordField<T>>(field: P, value: T[P]): Promise<T[P] | undefined> {
    return (await this.fields.insert(field, value)) as T[P] | undefined;
  }

  /** Sets a field only if its encoded value equals the encoding of `oldValue`; resolves with whether it did. */
  async updateIf<P extends HamokRecordField<T>>(field: P, value: T[P], oldValue: T[P]): Promise<boolean> {
    return this.fields.updateIf(field, value, oldValue);
  }

  /** Removes a field; resolves with whether it had a value. */
  async delete(field: HamokRecordField<T>): Promise<boolean> {
    return this.fields.delete(field);
  }

  /** Removes every field. */
  async clear(): Promise<void> {
    return this.fields.clear();
  }

  /** The encoded fields (copies). */
  export(): HamokRecordSnapshot {
    return this.fields.export();
  }

  /** Replaces every field with a snapshot's, through the log. */
  async import(snapshot: HamokRecordSnapshot): Promise<void> {
    return this.fields.import(snapshot);
  }

  /** Detaches the record; later mutations reject with `Closed`. */
  close(): void {
    this.fields.close();
  }
}
