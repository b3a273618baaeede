// SPDY/3.1 framing (the subset kubectl's port-forward speaks through moby/spdystream): an 8-byte
// header, then a payload. Control frames: C bit, version 3, type, flags, 24-bit length. DATA frames:
// 31-bit stream id, flags (FIN), length. Header blocks stay compressed here; see header-block.ts.

export const FLAG_FIN = 0x01;

export const FrameType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

/** RST_STREAM status codes (SPDY/3 §2.4.2). */
export const RstStatus = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5, INTERNAL_ERROR: 6 } as const;

export type Frame =
  | { kind: 'data'; streamId: number; flags: number; data: Buffer }
  | { kind: 'synStream'; streamId: number; associatedId: number; priority: number; flags: number; headerBlock: Buffer }
  | { kind: 'synReply'; streamId: number; flags: number; headerBlock: Buffer }
  | { kind: 'headers'; streamId: number; flags: number; headerBlock: Buffer }
  | { kind: 'rstStream'; streamId: number; status: number }
  | { kind: 'ping'; id: number }
  | { kind: 'goaway'; lastGoodStreamId: number; status: number }
  | { kind: 'settings'; flags: number; payload: Buffer }
  | { kind: 'windowUpdate'; streamId: number; delta: number }
  | { kind: 'unknown'; type: number; flags: number; payload: Buffer };

/** Thrown for bytes that cannot be SPDY/3 (the session then ends). */
export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpdyProtocolError';
  }
}

/**
 * Reassembles frames from a byte stream split arbitrarily (kubectl writes each frame field as its
 * own WebSocket message). push() returns every frame completed by the new bytes, in order.
 */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Frame[] = [];
    while (this.buf.length >= 8) {
      const length = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + length) break;
      const head = this.buf.subarray(0, 8);
      const payload = this.buf.subarray(8, 8 + length);
      this.buf = this.buf.subarray(8 + length);
      frames.push(decodeFrame(head, Buffer.from(payload)));
    }
    return frames;
  }
}

function decodeFrame(head: Buffer, p: Buffer): Frame {
  const flags = head.readUInt8(4);
  if ((head.readUInt8(0) & 0x80) === 0) return { kind: 'data', streamId: head.readUInt32BE(0) & 0x7fffffff, flags, data: p };
  const version = head.readUInt16BE(0) & 0x7fff;
  if (version !== 3) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
  const type = head.readUInt16BE(2);
  const need = (n: number) => {
    if (p.length < n) throw new SpdyProtocolError(`short frame of type ${type}`);
  };
  switch (type) {
    case FrameType.SYN_STREAM:
      need(10);
      return {
        kind: 'synStream',
        streamId: p.readUInt32BE(0) & 0x7fffffff,
        associatedId: p.readUInt32BE(4) & 0x7fffffff,
        priority: p.readUInt8(8) >> 5,
        flags,
        headerBlock: p.subarray(10),
      };
    case FrameType.SYN_REPLY:
      need(4);
      return { kind: 'synReply', streamId: p.readUInt32BE(0) & 0x7fffffff, flags, headerBlock: p.subarray(4) };
    case FrameType.HEADERS:
      need(4);
      return { kind: 'headers', streamId: p.readUInt32BE(0) & 0x7fffffff, flags, headerBlock: p.subarray(4) };
    case FrameType.RST_STREAM:
      need(8);
      return { kind: 'rstStream', streamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
    case FrameType.PING:
      need(4);
      return { kind: 'ping', id: p.readUInt32BE(0) };
    case FrameType.GOAWAY:
      need(4);
      return { kind: 'goaway', lastGoodStreamId: p.readUInt32BE(0) & 0x7fffffff, status: p.length >= 8 ? p.readUInt32BE(4) : 0 };
    case FrameType.SETTINGS:
      return { kind: 'settings', flags, payload: p };
    case FrameType.WINDOW_UPDATE:
      need(8);
      return { kind: 'windowUpdate', streamId: p.readUInt32BE(0) & 0x7fffffff, delta: p.readUInt32BE(4) & 0x7fffffff };
    default:
      return { kind: 'unknown', type, flags, payload: p };
  }
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8003, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(payload.length, 4);
  head.writeUInt8(flags, 4);
  return Buffer.concat([head, payload]);
}

/** A DATA frame; payloads above 16 MiB - 1 must be split by the caller. */
export function encodeData(streamId: number, data: Buffer, fin = false): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(data.length, 4);
  head.writeUInt8(fin ? FLAG_FIN : 0, 4);
  return Buffer.concat([head, data]);
}

export function encodeSynStream(streamId: number, headerBlock: Buffer, options: { fin?: boolean; associatedId?: number } = {}): Buffer {
  const p = Buffer.alloc(10);
  p.writeUInt32BE(streamId & 0x7fffffff, 0);
  p.writeUInt32BE((options.associatedId ?? 0) & 0x7fffffff, 4);
  return control(FrameType.SYN_STREAM, options.fin ? FLAG_FIN : 0, Buffer.concat([p, headerBlock]));
}

export function encodeSynReply(streamId: number, headerBlock: Buffer, fin = false): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(streamId & 0x7fffffff, 0);
  return control(FrameType.SYN_REPLY, fin ? FLAG_FIN : 0, Buffer.concat([p, headerBlock]));
}

export function encodeRstStream(streamId: number, status: number): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(streamId & 0x7fffffff, 0);
  p.writeUInt32BE(status, 4);
  return control(FrameType.RST_STREAM, 0, p);
}

export function encodePing(id: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(id >>> 0, 0);
  return control(FrameType.PING, 0, p);
}

export function encodeGoaway(lastGoodStreamId: number, status = 0): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(lastGoodStreamId & 0x7fffffff, 0);
  p.writeUInt32BE(status, 4);
  return control(FrameType.GOAWAY, 0, p);
}
