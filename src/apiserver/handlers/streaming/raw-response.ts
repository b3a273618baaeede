// Answers on a raw socket (upgrade requests never reach a ServerResponse).
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Status } from '../../errors.ts';

export function writeStatusToSocket(socket: Duplex, status: Status): void {
  if (!socket.writable) return;
  const body = JSON.stringify(status);
  socket.end(
    `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-cache, private\r\nConnection: close\r\n\r\n${body}`,
  );
}
