import {
  collectStrings,
  decodeMessage,
  encodeMessage,
  fieldMessages,
  fieldStrings,
  fieldValues,
  fieldVarints,
  ProtobufDecodeError,
  tryDecodeMessage,
  unpackVarints,
} from './protobuf';

/** Hand-encoded bytes: hex for tags/lengths, quoted text for string payloads. */
function bytes(...parts: Array<number | string>): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'number') out.push(part);
    else out.push(...Buffer.from(part, 'utf8'));
  }
  return Uint8Array.from(out);
}

describe('decodeMessage', () => {
  it('decodes a nested message and reads it by field path', () => {
    // {1: "abc123", 2: {1: 1, 2: "a:b"}}
    const msg = decodeMessage(bytes(0x0a, 0x06, 'abc123', 0x12, 0x07, 0x08, 0x01, 0x12, 0x03, 'a:b'));
    expect(fieldStrings(msg, [1])).toEqual(['abc123']);
    expect(fieldVarints(msg, [2, 1])).toEqual([1n]);
    expect(fieldStrings(msg, [2, 2])).toEqual(['a:b']);
    expect(fieldMessages(msg, [2])).toHaveLength(1);
    expect(collectStrings(msg)).toEqual(['abc123', 'a:b']);
  });

  it('keeps every occurrence of a repeated field, in wire order, across repeated parents', () => {
    // {2: {2: "a", 2: "b"}, 2: {2: "c"}}
    const msg = decodeMessage(
      bytes(0x12, 0x06, 0x12, 0x01, 'a', 0x12, 0x01, 'b', 0x12, 0x03, 0x12, 0x01, 'c'),
    );
    expect(fieldStrings(msg, [2, 2])).toEqual(['a', 'b', 'c']);
    expect(fieldValues(msg, [2])).toHaveLength(2);
  });

  it('decodes varints: a bool, a multi-byte value and a 10-byte negative int64', () => {
    const msg = decodeMessage(
      bytes(0x20, 0x01, 0x08, 0xac, 0x02, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
    );
    expect(fieldVarints(msg, [4])).toEqual([1n]);
    expect(fieldVarints(msg, [1])).toEqual([300n]);
    expect(BigInt.asIntN(64, fieldVarints(msg, [3])[0])).toBe(-1n);
  });

  it('reads packed and unpacked repeated scalars the same way', () => {
    const packed = decodeMessage(bytes(0x22, 0x04, 0x01, 0x02, 0xac, 0x02));
    const unpacked = decodeMessage(bytes(0x20, 0x01, 0x20, 0x02, 0x20, 0xac, 0x02));
    expect(fieldVarints(packed, [4])).toEqual([1n, 2n, 300n]);
    expect(fieldVarints(unpacked, [4])).toEqual([1n, 2n, 300n]);
    expect(unpackVarints(Uint8Array.from([0x96, 0x01]))).toEqual([150n]);
  });

  it('decodes fixed32 and fixed64 little-endian', () => {
    const msg = decodeMessage(bytes(0x0d, 0x01, 0x02, 0x00, 0x00, 0x11, 0x02, 0, 0, 0, 0, 0, 0, 0x80));
    expect(fieldValues(msg, [1])).toMatchObject([{ wireType: 5, value: 0x0201 }]);
    expect(fieldValues(msg, [2])).toMatchObject([{ wireType: 1, value: 0x8000000000000002n }]);
  });

  it('keeps both views of a string that happens to parse as a message, and collects it as a string', () => {
    // "Hi" = 0x48 0x69 = tag (field 9, varint) then varint 105.
    const msg = decodeMessage(bytes(0x0a, 0x02, 'Hi'));
    const [field] = fieldValues(msg, [1]);
    expect(field).toMatchObject({ wireType: 2, text: 'Hi' });
    expect(field.wireType === 2 && field.message ? fieldVarints(field.message, [9]) : []).toEqual([105n]);
    expect(collectStrings(msg)).toEqual(['Hi']);
  });

  it('reads a nested {1: string} whose tag and length bytes are printable as a message, not text', () => {
    // FinishBuildRequest.error = {1: "failed_precondition: ..."}: 0x0a is "\n" and a length of 32-127 is
    // a printable byte, so the raw field is also valid, printable UTF-8.
    const reason = 'failed_precondition: no builder available here';
    const inner = bytes(0x0a, reason.length, reason);
    const msg = decodeMessage(bytes(0x0a, 0x02, 'b1', 0x1a, inner.length, ...inner));
    expect(fieldValues(msg, [3])).toMatchObject([
      { text: `\n${String.fromCharCode(reason.length)}${reason}` },
    ]);
    expect(fieldStrings(msg, [3, 1])).toEqual([reason]);
    expect(collectStrings(msg)).toEqual(['b1', reason]);
  });

  it('reads a nested message made of printable bytes only as a message', () => {
    // {4: "<40 chars>"} is '"' (field 4, length-delimited), '(' (40), then the text: all printable.
    const reason = 'registry.example/app:latest@sha256:0000';
    const inner = bytes(0x22, reason.length, reason);
    const msg = decodeMessage(bytes(0x12, inner.length, ...inner));
    expect(fieldValues(msg, [2])).toMatchObject([
      { text: `"${String.fromCharCode(reason.length)}${reason}` },
    ]);
    expect(collectStrings(msg)).toEqual([reason]);
  });

  it('keeps multi-line text that does not parse as a message as a string', () => {
    const msg = decodeMessage(bytes(0x1a, 0x0d, 'FROM scratch\n'));
    expect(collectStrings(msg)).toEqual(['FROM scratch\n']);
  });

  it('keeps binary that is neither text nor a message as bytes without throwing', () => {
    // Field 1 holds 0xff 0xff: invalid UTF-8 and a truncated varint.
    const msg = decodeMessage(bytes(0x0a, 0x02, 0xff, 0xff));
    const [field] = fieldValues(msg, [1]);
    expect(field).toMatchObject({ wireType: 2, text: undefined, message: undefined });
    expect(field.wireType === 2 ? Array.from(field.bytes) : []).toEqual([0xff, 0xff]);
    expect(collectStrings(msg)).toEqual([]);
  });

  it('treats a non-UTF-8 nested message as a message only', () => {
    // {1: {1: 150}}: 0x96 is not valid UTF-8 on its own.
    const msg = decodeMessage(bytes(0x0a, 0x03, 0x08, 0x96, 0x01));
    expect(fieldValues(msg, [1])).toMatchObject([{ text: undefined }]);
    expect(fieldVarints(msg, [1, 1])).toEqual([150n]);
  });

  it('treats an empty length-delimited field as both an empty string and an empty message', () => {
    const msg = decodeMessage(bytes(0x1a, 0x00));
    expect(fieldValues(msg, [3])).toMatchObject([{ text: '', message: { fields: [] } }]);
    expect(collectStrings(msg)).toEqual([]);
  });

  it('rejects malformed top-level input, and tryDecodeMessage returns undefined for it', () => {
    for (const bad of [
      bytes(0x0a, 0x05, 'ab'), // length past the end
      bytes(0x08), // truncated varint
      bytes(0x0b), // group start (wire type 3)
      bytes(0x00, 0x01), // field number 0
    ]) {
      expect(() => decodeMessage(bad)).toThrow(ProtobufDecodeError);
      expect(tryDecodeMessage(bad)).toBeUndefined();
    }
    expect(tryDecodeMessage(new Uint8Array())).toEqual({ fields: [] });
  });

  it('collects strings from map entries in a real CreateBuild body recorded from depot 2.102.12', () => {
    const body = Buffer.from(
      '0a0661626331323312710801121672656769737472792e6578616d706c652f6170703a31121b72656769737472792e657861' +
        '6d706c652f6170703a6c61746573741a360a05696d616765120c0a0470757368120474727565121f0a1a6465706f742e657870' +
        '6f72742e696d6167652e76657273696f6e1201322001',
      'hex',
    );
    const msg = decodeMessage(body);
    expect(collectStrings(msg)).toEqual([
      'abc123',
      'registry.example/app:1',
      'registry.example/app:latest',
      'image',
      'push',
      'true',
      'depot.export.image.version',
      '2',
    ]);
    expect(fieldVarints(msg, [2, 4])).toEqual([1n]);
  });
});

describe('encodeMessage', () => {
  it('round-trips strings, nested messages, varints and bools', () => {
    const encoded = encodeMessage([
      { field: 1, value: 'build-1' },
      { field: 3, value: [{ field: 1, value: true }] },
      { field: 4, value: 300 },
      { field: 5, value: Uint8Array.from([0xff]) },
    ]);
    expect(Buffer.from(encoded).toString('hex')).toBe('0a076275696c642d311a02080120ac022a01ff');
    const msg = decodeMessage(encoded);
    expect(fieldStrings(msg, [1])).toEqual(['build-1']);
    expect(fieldVarints(msg, [3, 1])).toEqual([1n]);
    expect(fieldVarints(msg, [4])).toEqual([300n]);
  });
});
