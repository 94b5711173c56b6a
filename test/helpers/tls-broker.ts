import type { Socket } from "node:net";
import { createServer, type TLSSocket } from "node:tls";
import { Aedes } from "aedes";

export interface TlsTestBroker {
  url: string;
  port: number;
  /** CNs of client certificates the broker accepted. */
  clientNames: string[];
  /** TLS handshakes that failed on the broker side (e.g. the client refused our certificate). */
  handshakeErrors: string[];
  close(): Promise<void>;
}

/**
 * aedes behind node:tls, configured like the Mosquitto example: a client certificate signed by
 * `ca` is required (requestCert + rejectUnauthorized). `port` 0 picks a free one.
 */
export async function startTlsBroker(opts: {
  cert: string;
  key: string;
  ca: string;
  port?: number;
}): Promise<TlsTestBroker> {
  const broker = await Aedes.createBroker();
  const clientNames: string[] = [];
  const handshakeErrors: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(
    { cert: opts.cert, key: opts.key, ca: opts.ca, requestCert: true, rejectUnauthorized: true },
    (socket: TLSSocket) => {
      const cn = socket.getPeerCertificate().subject?.CN;
      if (cn) clientNames.push(String(cn));
      broker.handle(socket);
    },
  );
  server.on("tlsClientError", (err) => handshakeErrors.push(err.message));
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtts://127.0.0.1:${port}`,
    port,
    clientNames,
    handshakeErrors,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}
