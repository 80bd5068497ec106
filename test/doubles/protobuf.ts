/**
 * A schema-less protobuf wire-format decoder (and a tiny encoder).
 *
 * The Depot API double records what the real depot CLI sends without vendoring Depot's .proto files, so
 * tests read requests by field number. Length-delimited fields are ambiguous on the wire (string, bytes,
 * nested message or packed scalars), so every such field keeps all the views that apply and callers pick.
 */

/** Wire type 0: int32, int64, uint32, uint64, sint32, sint64, bool, enum. */
export interface VarintField {
  readonly field: number;
  readonly wireType: 0;
  readonly value: bigint;
}

/** Wire type 1: fixed64/sfixed64/double. `value` is the little-endian unsigned reading. */
export interface Fixed64Field {
  readonly field: number;
  readonly wireType: 1;
  readonly value: bigint;
  readonly bytes: Uint8Array;
}

/**
 * Wire type 2: string/bytes/nested message/packed repeated scalars.
 * `text` is set when the bytes are valid UTF-8; `message` when they parse cleanly as a message.
 * Both can be set at once (e.g. the text "Hi" is also the message {9: 105}).
 */
export interface LengthDelimitedField {
  readonly field: number;
  readonly wireType: 2;
  readonly bytes: Uint8Array;
  readonly text: string | undefined;
  readonly message: ProtoMessage | undefined;
}

/** Wire type 5: fixed32/sfixed32/float. `value` is the little-endian unsigned reading. */
export interface Fixed32Field {
  readonly field: number;
  readonly wireType: 5;
  readonly value: number;
  readonly bytes: Uint8Array;
}

export type ProtoField = VarintField | Fixed64Field | LengthDelimitedField | Fixed32Field;

/** A decoded message: its fields in wire order (repeated fields appear once per occurrence). */
export interface ProtoMessage {
  readonly fields: readonly ProtoField[];
}

/** Thrown by `decodeMessage` for bytes that are not a well-formed message. */
export class ProtobufDecodeError extends Error {
  override name = 'ProtobufDecodeError';
}

// Deep enough for any real request; stops adversarial bytes from recursing without bound.
const MAX_DEPTH = 32;
const MAX_FIELD_NUMBER = 2 ** 29 - 1;

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw new ProtobufDecodeError('truncated varint');
      const byte = this.buf[this.pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new ProtobufDecodeError('varint longer than 10 bytes');
  }

  take(length: number): Uint8Array {
    if (length > this.buf.length - this.pos) throw new ProtobufDecodeError('truncated field');
    const bytes = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return bytes;
  }
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function decodeAt(bytes: Uint8Array, depth: number): ProtoMessage {
  const reader = new Reader(bytes);
  const fields: ProtoField[] = [];
  while (!reader.done) {
    const key = reader.varint();
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (field < 1 || field > MAX_FIELD_NUMBER) throw new ProtobufDecodeError(`invalid field number ${field}`);
    switch (wireType) {
      case 0:
        fields.push({ field, wireType, value: reader.varint() });
        break;
      case 1: {
        const raw = reader.take(8);
        const view = new DataView(raw.buffer, raw.byteOffset, 8);
        fields.push({ field, wireType, value: view.getBigUint64(0, true), bytes: raw });
        break;
      }
      case 2: {
        const length = reader.varint();
        if (length > BigInt(bytes.length)) throw new ProtobufDecodeError('truncated field');
        const raw = reader.take(Number(length));
        const message = depth < MAX_DEPTH ? tryDecodeAt(raw, depth + 1) : undefined;
        fields.push({ field, wireType, bytes: raw, text: decodeUtf8(raw), message });
        break;
      }
      case 5: {
        const raw = reader.take(4);
        const view = new DataView(raw.buffer, raw.byteOffset, 4);
        fields.push({ field, wireType, value: view.getUint32(0, true), bytes: raw });
        break;
      }
      default:
        // Groups (3/4) are deprecated and never produced by the Go or TS runtimes Depot uses.
        throw new ProtobufDecodeError(`unsupported wire type ${wireType}`);
    }
  }
  return { fields };
}

function tryDecodeAt(bytes: Uint8Array, depth: number): ProtoMessage | undefined {
  try {
    return decodeAt(bytes, depth);
  } catch (error) {
    if (error instanceof ProtobufDecodeError) return undefined;
    throw error;
  }
}

/** Decodes a whole message; throws `ProtobufDecodeError` if the bytes are not well-formed. */
export function decodeMessage(bytes: Uint8Array): ProtoMessage {
  return decodeAt(bytes, 0);
}

/** Like `decodeMessage` but returns undefined instead of throwing, for bodies of unknown shape. */
export function tryDecodeMessage(bytes: Uint8Array): ProtoMessage | undefined {
  return tryDecodeAt(bytes, 0);
}

/**
 * True for non-empty text with no control characters other than tab/newline/CR: what a human-readable
 * string field looks like.
 */
export function isPrintable(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return text.length > 0 && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/.test(text);
}

/**
 * The string view of a length-delimited field when it should be read as a string rather than a message.
 *
 * Printable text that does not parse as a message is a string. When it does parse, it is a message if it
 * contains a tab, newline or CR (the tag bytes of field 1: 0x09, 0x0a, 0x0d, so `{1: "<32..127 chars>"}`
 * reads as "\n" + length byte + text) or if the message view holds only length-delimited fields (e.g.
 * `{4: "..."}` starts with '"'); otherwise it is a string ("Hi" also parses, as {9: 105}). Real text almost
 * never parses as a message end to end, so the rule rarely has to guess.
 */
export function printableText(field: ProtoField): string | undefined {
  if (field.wireType !== 2 || field.text === undefined || !isPrintable(field.text)) return undefined;
  const { message } = field;
  if (message === undefined) return field.text;
  const onlyLengthDelimited = message.fields.length > 0 && message.fields.every((f) => f.wireType === 2);
  return /[\t\n\r]/.test(field.text) || onlyLengthDelimited ? undefined : field.text;
}

/**
 * Every printable string anywhere in the tree, depth first in wire order: each length-delimited field
 * counts either as one string (see `printableText`) or, if it parses as a message, is searched recursively.
 */
export function collectStrings(message: ProtoMessage): string[] {
  const out: string[] = [];
  const visit = (msg: ProtoMessage): void => {
    for (const field of msg.fields) {
      if (field.wireType !== 2) continue;
      const text = printableText(field);
      if (text !== undefined) out.push(text);
      else if (field.message) visit(field.message);
    }
  };
  visit(message);
  return out;
}

/**
 * The fields at a path of field numbers: `fieldValues(req, [2, 3])` is every field 3 inside every field 2
 * that parses as a message. Repeated fields at any level fan out.
 */
export function fieldValues(message: ProtoMessage, path: readonly number[]): ProtoField[] {
  if (path.length === 0) return [];
  let current: ProtoMessage[] = [message];
  for (let i = 0; i < path.length - 1; i++) {
    current = current.flatMap((msg) =>
      msg.fields.flatMap((f) => (f.field === path[i] && f.wireType === 2 && f.message ? [f.message] : [])),
    );
  }
  const last = path[path.length - 1];
  return current.flatMap((msg) => msg.fields.filter((f) => f.field === last));
}

/** The string views of the fields at `path` (fields that are not valid UTF-8 are skipped). */
export function fieldStrings(message: ProtoMessage, path: readonly number[]): string[] {
  return fieldValues(message, path).flatMap((f) =>
    f.wireType === 2 && f.text !== undefined ? [f.text] : [],
  );
}

/** The nested-message views of the fields at `path`. */
export function fieldMessages(message: ProtoMessage, path: readonly number[]): ProtoMessage[] {
  return fieldValues(message, path).flatMap((f) => (f.wireType === 2 && f.message ? [f.message] : []));
}

/** Decodes a packed run of varints; throws `ProtobufDecodeError` if it is not one. */
export function unpackVarints(bytes: Uint8Array): bigint[] {
  const reader = new Reader(bytes);
  const out: bigint[] = [];
  while (!reader.done) out.push(reader.varint());
  return out;
}

/**
 * The varint values at `path`, accepting both encodings of a repeated scalar: unpacked (one wire-type-0
 * field per value) and packed (one length-delimited field holding them all). Proto3 writers pack by
 * default but parsers must accept either, so tests should too.
 */
export function fieldVarints(message: ProtoMessage, path: readonly number[]): bigint[] {
  return fieldValues(message, path).flatMap((f) => {
    if (f.wireType === 0) return [f.value];
    if (f.wireType === 2) {
      try {
        return unpackVarints(f.bytes);
      } catch {
        return [];
      }
    }
    return [];
  });
}

/** A value to encode: numbers/bigints/booleans as varints, strings/bytes/field lists as length-delimited. */
export type EncodeValue = string | Uint8Array | number | bigint | boolean | readonly EncodeField[];

export interface EncodeField {
  readonly field: number;
  readonly value: EncodeValue;
}

function encodeVarint(value: bigint): Uint8Array {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/**
 * Encodes a message from (field, value) pairs. Only what the double needs to answer the CLI with a
 * success response (strings, nested messages, varints); not a general-purpose serializer.
 */
export function encodeMessage(fields: readonly EncodeField[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const { field, value } of fields) {
    if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
      const n = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value);
      parts.push(encodeVarint(BigInt(field) << 3n), encodeVarint(n));
      continue;
    }
    const bytes =
      typeof value === 'string'
        ? new TextEncoder().encode(value)
        : value instanceof Uint8Array
          ? value
          : encodeMessage(value);
    parts.push(encodeVarint((BigInt(field) << 3n) | 2n), encodeVarint(BigInt(bytes.length)), bytes);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
