// SPDY/3 name/value header blocks: uint32 count, then length-prefixed names and values (several
// values of one name are NUL-separated), compressed with one zlib stream per direction per
// connection, primed with the SPDY/3 dictionary.
import { createInflate, constants, type Inflate } from 'node:zlib';
import { SPDY_DICTIONARY } from './dictionary.ts';
import { SpdyProtocolError } from './frames.ts';

export type HeaderMap = Record<string, string>;

export function encodeNameValues(headers: HeaderMap): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeNameValues(block: Buffer): HeaderMap {
  const out: HeaderMap = {};
  let pos = 0;
  const read = (): Buffer => {
    if (pos + 4 > block.length) throw new SpdyProtocolError('truncated header block');
    const len = block.readUInt32BE(pos);
    pos += 4;
    if (pos + len > block.length) throw new SpdyProtocolError('truncated header block');
    const b = block.subarray(pos, pos + len);
    pos += len;
    return b;
  };
  if (block.length < 4) throw new SpdyProtocolError('truncated header block');
  const count = block.readUInt32BE(0);
  pos = 4;
  for (let i = 0; i < count; i++) {
    const name = read().toString('utf8').toLowerCase();
    // Several values arrive NUL-separated; port-forward and exec use one value per name.
    out[name] = read().toString('utf8').split('\0')[0] ?? '';
  }
  return out;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

/**
 * Compresses this side's header blocks without a real compressor: a zlib header once, then each
 * block as deflate "stored" blocks followed by an empty stored block (a sync flush marker). The
 * marker matters: without it Go's flate reader reads past the frame and the next block fails.
 * Stored blocks reference no dictionary, so the zlib header needs no FDICT.
 */
export class HeaderEncoder {
  private started = false;

  encode(headers: HeaderMap): Buffer {
    const raw = encodeNameValues(headers);
    const parts: Buffer[] = [];
    if (!this.started) {
      parts.push(Buffer.from([0x78, 0x01]));
      this.started = true;
    }
    // The name/value block is never empty (it starts with a count), so this emits at least one.
    for (let off = 0; off < raw.length; off += 0xffff) {
      const piece = raw.subarray(off, Math.min(raw.length, off + 0xffff));
      parts.push(storedBlockHeader(piece.length), piece);
    }
    parts.push(storedBlockHeader(0));
    return Buffer.concat(parts);
  }
}

function storedBlockHeader(len: number): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt8(0, 0); // BFINAL=0, BTYPE=00 (stored)
  b.writeUInt16LE(len, 1);
  b.writeUInt16LE(~len & 0xffff, 3);
  return b;
}

/**
 * Inflates the peer's header blocks on one zlib stream. Node's inflate is asynchronous, so callers
 * must decode blocks strictly in frame order (the session queues frames while a block decodes).
 */
export class HeaderDecoder {
  private readonly inflate: Inflate = createInflate({ dictionary: SPDY_DICTIONARY, flush: constants.Z_SYNC_FLUSH });
  private chunks: Buffer[] = [];
  private failure: Error | undefined;

  constructor() {
    this.inflate.on('data', (c: Buffer) => this.chunks.push(c));
    this.inflate.on('error', (e: Error) => {
      this.failure = e;
    });
  }

  decode(block: Buffer): Promise<HeaderMap> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.inflate.write(block, () => {
        // Output of a sync-flushed write is pushed before the write completes.
        setImmediate(() => {
          if (this.failure) return reject(new SpdyProtocolError(`header decompression failed: ${this.failure.message}`));
          const raw = Buffer.concat(this.chunks);
          this.chunks = [];
          try {
            resolve(decodeNameValues(raw));
          } catch (e) {
            reject(e);
          }
        });
      });
    });
  }

  close(): void {
    this.inflate.destroy();
  }
}
