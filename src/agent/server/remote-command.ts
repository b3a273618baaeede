// One exec or attach session over a channel-protocol WebSocket: client messages feed stdin and
// resize events; stdout/stderr become channel messages; when the command ends the status channel
// carries the outcome and the socket closes with 1000, as kubelet's streaming server does.
import { PassThrough, Writable } from 'node:stream';
import type { WebSocket, RawData } from 'ws';
import {
  Channel,
  decodeChannelMessage,
  encodeChannelMessage,
  parseResize,
  statusPayload,
  type ChannelProtocol,
  type SessionOutcome,
} from './channel-protocol.ts';
import type { StreamIO, TerminalSize } from './types.ts';

export interface RemoteCommandOptions {
  readonly protocol: ChannelProtocol;
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
  /** Runs the command (exec) or attaches (attach) with the session's streams; resolves with an exit code (attach: 0). */
  readonly run: (io: StreamIO) => Promise<number>;
  /** The command, for the exit status message. */
  readonly command?: readonly string[];
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export async function serveRemoteCommand(ws: WebSocket, options: RemoteCommandOptions): Promise<void> {
  const { protocol } = options;
  const abort = new AbortController();
  const stdin = options.stdin ? new PassThrough() : undefined;
  const resizeListeners: ((size: TerminalSize) => void)[] = [];
  let lastSize: TerminalSize | undefined;

  const send = (channel: number, payload: Buffer, cb?: (err?: Error) => void) => {
    if (ws.readyState !== ws.OPEN) return cb?.();
    const msg = encodeChannelMessage(protocol, channel, payload);
    ws.send(msg.data, { binary: msg.binary }, () => cb?.());
  };
  const channelWriter = (channel: number) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        send(channel, chunk, () => cb());
      },
    });

  ws.on('message', (data: RawData) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const msg = decodeChannelMessage(protocol, buf);
    if (!msg) return;
    if (msg.channel === Channel.STDIN) stdin?.write(msg.payload);
    else if (msg.channel === Channel.RESIZE && options.tty) {
      const size = parseResize(msg.payload);
      if (!size) return;
      lastSize = size;
      for (const l of resizeListeners) l(size);
    } else if (msg.channel === Channel.CLOSE && msg.payload[0] === Channel.STDIN) stdin?.end();
  });
  ws.on('close', () => {
    stdin?.end();
    abort.abort();
  });
  ws.on('error', () => abort.abort());

  const stdout = options.stdout ? channelWriter(Channel.STDOUT) : undefined;
  // With a TTY the terminal carries both streams; kubectl would reject stderr frames.
  const stderr = options.stderr && !options.tty ? channelWriter(Channel.STDERR) : undefined;
  const io: StreamIO = {
    stdin,
    stdout,
    stderr,
    tty: options.tty,
    signal: abort.signal,
    onResize(listener) {
      resizeListeners.push(listener);
      if (lastSize) listener(lastSize);
    },
  };
  let outcome: SessionOutcome;
  try {
    outcome = { kind: 'exit', code: await options.run(io), command: options.command };
  } catch (e) {
    outcome = { kind: 'error', message: e instanceof Error ? e.message : String(e) };
    options.log?.('remote command failed', { error: outcome.message });
  }
  // Output written before the command ended must reach the client before the status does.
  await Promise.all([stdout, stderr].map((w) => (w ? new Promise<void>((r) => w.end(() => r())) : undefined)));
  const status = statusPayload(protocol, outcome);
  if (status) send(Channel.ERROR, status);
  if (ws.readyState === ws.OPEN) ws.close(1000);
}
