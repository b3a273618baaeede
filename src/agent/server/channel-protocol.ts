// The WebSocket "channel" protocols of exec/attach (apimachinery util/remotecommand +
// wsstream): every message starts with a channel number — 0 stdin, 1 stdout, 2 stderr, 3 status
// (error), 4 resize, 255 close (v5: `ff <channel>` half-closes that client stream). The base64
// variants send text messages whose first character is the channel digit.

export const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'] as const;

export type ChannelProtocol = (typeof CHANNEL_PROTOCOLS)[number];

export const Channel = { STDIN: 0, STDOUT: 1, STDERR: 2, ERROR: 3, RESIZE: 4, CLOSE: 255 } as const;

/** First protocol in the client's list that we speak (the client lists its preference first). */
export function selectChannelProtocol(offered: readonly string[]): ChannelProtocol | undefined {
  return offered.find((p): p is ChannelProtocol => (CHANNEL_PROTOCOLS as readonly string[]).includes(p));
}

const isBase64 = (p: ChannelProtocol) => p.includes('base64');

export interface ChannelMessage {
  readonly data: Buffer | string;
  readonly binary: boolean;
}

export function encodeChannelMessage(protocol: ChannelProtocol, channel: number, payload: Buffer): ChannelMessage {
  if (isBase64(protocol)) return { data: String.fromCharCode(0x30 + channel) + payload.toString('base64'), binary: false };
  return { data: Buffer.concat([Buffer.from([channel]), payload]), binary: true };
}

export function decodeChannelMessage(protocol: ChannelProtocol, data: Buffer): { channel: number; payload: Buffer } | undefined {
  if (data.length === 0) return undefined;
  if (isBase64(protocol)) {
    const channel = data[0]! - 0x30;
    return { channel, payload: Buffer.from(data.subarray(1).toString('latin1'), 'base64') };
  }
  return { channel: data[0]!, payload: data.subarray(1) };
}

/** How the session ended, for the status channel. */
export type SessionOutcome = { kind: 'exit'; code: number; command?: readonly string[] } | { kind: 'error'; message: string };

/**
 * The status-channel message for an outcome. v4/v5 send a metav1.Status as JSON (kubectl turns
 * the ExitCode cause into `command terminated with exit code N` and exits N); the v1 protocols
 * send only an error text, nothing on success.
 */
export function statusPayload(protocol: ChannelProtocol, outcome: SessionOutcome): Buffer | undefined {
  const structured = protocol.startsWith('v4.') || protocol.startsWith('v5.');
  if (outcome.kind === 'exit' && outcome.code === 0) return structured ? Buffer.from(JSON.stringify({ metadata: {}, status: 'Success' })) : undefined;
  if (outcome.kind === 'exit') {
    const what = `error executing command [${(outcome.command ?? []).join(' ')}], exit code ${outcome.code}`;
    if (!structured) return Buffer.from(`command terminated with non-zero exit code: ${what}`);
    return Buffer.from(
      JSON.stringify({
        metadata: {},
        status: 'Failure',
        message: `command terminated with non-zero exit code: ${what}`,
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: String(outcome.code) }] },
      }),
    );
  }
  if (!structured) return Buffer.from(outcome.message);
  return Buffer.from(
    JSON.stringify({
      metadata: {},
      status: 'Failure',
      message: outcome.message,
      reason: 'InternalError',
      details: { causes: [{ message: outcome.message }] },
      code: 500,
    }),
  );
}

/** Parses a resize message `{"Width":100,"Height":30}`; undefined when malformed. */
export function parseResize(payload: Buffer): { width: number; height: number } | undefined {
  try {
    const v = JSON.parse(payload.toString('utf8')) as { Width?: unknown; Height?: unknown };
    if (typeof v.Width !== 'number' || typeof v.Height !== 'number') return undefined;
    return { width: v.Width, height: v.Height };
  } catch {
    return undefined;
  }
}
