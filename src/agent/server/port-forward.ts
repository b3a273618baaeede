// kubectl port-forward's SPDY/3.1 session, carried either inside a WebSocket
// (`SPDY/3.1+portforward.k8s.io`) or on the raw upgraded connection. Per forwarded local connection
// kubectl opens an `error` stream then a `data` stream with the same `requestid` (streams of
// concurrent connections interleave, so they are paired by requestid). We answer every SYN_STREAM
// with an empty SYN_REPLY (as kubelet does), dial podIP:port for the data stream and copy bytes.
// When the pod side ends we FIN the data stream and then the error stream (kubectl reads the error
// stream to EOF before it closes the local connection). A dial failure is sent as text on the
// error stream, which kubectl prints before it ends the session. Facts: notes/port-forward.md.
//
// Flow control: kubectl never sends WINDOW_UPDATE, so SPDY windows are not enforced; backpressure
// comes from the transport (targets pause while >1 MiB of frames wait to be flushed) and from the
// targets (the transport pauses while a target's write buffer is full).
import { connect, type Socket } from 'node:net';
import {
  FrameParser,
  HeaderDecoder,
  HeaderEncoder,
  RstStatus,
  encodeData,
  encodePing,
  encodeRstStream,
  encodeSynReply,
  FLAG_FIN,
  type Frame,
} from '../../util/spdy/index.ts';

/** Where the frames travel: a WebSocket or the upgraded socket. */
export interface FrameTransport {
  /** `done` runs once the bytes are flushed (or dropped because the transport closed). */
  write(frame: Buffer, done: () => void): void;
  pause(): void;
  resume(): void;
  end(): void;
}

export interface PortForwardTarget {
  readonly ip: string;
  readonly uid: string;
  readonly podName: string;
}

const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 << 10;

interface Pair {
  errorStream?: number;
  dataStream?: number;
  socket?: Socket;
  /** Error text waiting for its error stream. */
  pendingError?: string;
  dataFinSent?: boolean;
  finished: boolean;
}

export class PortForwardSession {
  private readonly parser = new FrameParser();
  private readonly decoder = new HeaderDecoder();
  private readonly encoder = new HeaderEncoder();
  private readonly pairs = new Map<string, Pair>();
  private readonly byStream = new Map<number, { requestId: string; type: string }>();
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private targetsPaused = false;
  private readonly blockedTargets = new Set<Socket>();
  private closed = false;

  constructor(
    private readonly transport: FrameTransport,
    private readonly target: PortForwardTarget,
    private readonly log?: (msg: string, fields?: Record<string, unknown>) => void,
  ) {}

  /** Feeds bytes from the client; frames are handled strictly in order. */
  push(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.parser.push(chunk);
    } catch (e) {
      this.log?.('port-forward: bad frame', { error: String(e) });
      this.close();
      return;
    }
    for (const f of frames)
      this.chain = this.chain
        .then(() => this.handle(f))
        .catch((e: unknown) => {
          this.log?.('port-forward: session error', { error: String(e) });
          this.close();
        });
  }

  /** Ends the session: every target connection is destroyed. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pairs.values()) p.socket?.destroy();
    this.pairs.clear();
    this.decoder.close();
    this.transport.end();
  }

  private send(frame: Buffer): void {
    if (this.closed) return;
    this.queued += frame.length;
    if (this.queued > HIGH_WATER && !this.targetsPaused) {
      this.targetsPaused = true;
      for (const p of this.pairs.values()) p.socket?.pause();
    }
    this.transport.write(frame, () => {
      this.queued -= frame.length;
      if (this.targetsPaused && this.queued < LOW_WATER) {
        this.targetsPaused = false;
        for (const p of this.pairs.values()) p.socket?.resume();
      }
    });
  }

  private async handle(f: Frame): Promise<void> {
    if (this.closed) return;
    switch (f.kind) {
      case 'synStream': {
        const headers = await this.decoder.decode(f.headerBlock);
        const requestId = headers.requestid ?? '';
        const type = headers.streamtype ?? '';
        this.send(encodeSynReply(f.streamId, this.encoder.encode({})));
        this.byStream.set(f.streamId, { requestId, type });
        const pair = this.pairs.get(requestId) ?? { finished: false };
        this.pairs.set(requestId, pair);
        if (type === 'error') {
          pair.errorStream = f.streamId;
          if (pair.pendingError !== undefined) this.fail(pair, pair.pendingError);
        } else if (type === 'data') {
          pair.dataStream = f.streamId;
          const port = Number(headers.port);
          if (!Number.isInteger(port) || port <= 0 || port > 65535) this.fail(pair, `invalid port ${JSON.stringify(headers.port ?? '')}`);
          else this.dial(pair, port);
        } else {
          this.send(encodeRstStream(f.streamId, RstStatus.PROTOCOL_ERROR));
        }
        return;
      }
      case 'data': {
        const s = this.byStream.get(f.streamId);
        const pair = s && this.pairs.get(s.requestId);
        if (!s || !pair || s.type !== 'data' || !pair.socket) return;
        if (f.data.length > 0 && !pair.socket.write(f.data)) {
          this.blockedTargets.add(pair.socket);
          this.transport.pause();
          pair.socket.once('drain', () => this.unblock(pair.socket!));
        }
        if (f.flags & FLAG_FIN) pair.socket.end();
        return;
      }
      case 'rstStream': {
        const s = this.byStream.get(f.streamId);
        const pair = s && this.pairs.get(s.requestId);
        if (pair && s.type === 'data') this.finish(s.requestId, pair, false);
        return;
      }
      case 'ping':
        this.send(encodePing(f.id));
        return;
      case 'goaway':
        this.close();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE, HEADERS and unknown frames: nothing to do (see flow control above).
        return;
    }
  }

  private unblock(socket: Socket): void {
    this.blockedTargets.delete(socket);
    if (this.blockedTargets.size === 0) this.transport.resume();
  }

  private dial(pair: Pair, port: number): void {
    const socket = connect({ host: this.target.ip, port, noDelay: true });
    pair.socket = socket;
    if (this.targetsPaused) socket.pause();
    let connected = false;
    socket.on('connect', () => {
      connected = true;
    });
    socket.on('data', (chunk: Buffer) => {
      if (pair.dataStream !== undefined) this.send(encodeData(pair.dataStream, chunk));
    });
    socket.on('end', () => this.finData(pair));
    socket.on('error', (e: Error) => {
      if (!connected) this.fail(pair, `error forwarding port ${port} to pod ${this.target.podName}, uid ${this.target.uid}: ${e.message}`);
    });
    socket.on('close', () => {
      this.blockedTargets.delete(socket);
      if (this.blockedTargets.size === 0) this.transport.resume();
      const id = [...this.pairs.entries()].find(([, p]) => p === pair)?.[0];
      if (connected && id !== undefined) this.finish(id, pair, true);
    });
  }

  private finData(pair: Pair): void {
    if (pair.dataFinSent || pair.finished || pair.dataStream === undefined) return;
    pair.dataFinSent = true;
    this.send(encodeData(pair.dataStream, Buffer.alloc(0), true));
  }

  /** Reports a failure on the error stream and ends the data stream. */
  private fail(pair: Pair, message: string): void {
    if (pair.finished) return;
    if (pair.errorStream === undefined) {
      pair.pendingError = message;
      return;
    }
    pair.finished = true;
    this.send(encodeData(pair.errorStream, Buffer.from(message), true));
    if (pair.dataStream !== undefined && !pair.dataFinSent) this.send(encodeData(pair.dataStream, Buffer.alloc(0), true));
    pair.dataFinSent = true;
    pair.socket?.destroy();
    for (const [id, p] of this.pairs) if (p === pair) this.forget(id);
  }

  private forget(requestId: string): void {
    this.pairs.delete(requestId);
    for (const [id, s] of this.byStream) if (s.requestId === requestId) this.byStream.delete(id);
  }

  /** The target connection is over: FIN data (if not yet) and then error, and forget the pair. */
  private finish(requestId: string, pair: Pair, sendFins: boolean): void {
    if (pair.finished) return;
    if (sendFins) this.finData(pair);
    pair.finished = true;
    pair.socket?.destroy();
    if (sendFins) {
      if (pair.errorStream !== undefined) this.send(encodeData(pair.errorStream, Buffer.alloc(0), true));
    }
    this.forget(requestId);
  }
}
