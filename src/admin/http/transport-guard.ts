import type { Server as HttpsServer } from "node:https";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { hostname, networkInterfaces } from "node:os";

/**
 * TLS 1.2 suites the admin server accepts: ECDHE only (forward secrecy) and AEAD only (GCM,
 * ChaCha20-Poly1305); no CBC/SHA-1, no CCM8, no ARIA or Camellia. TLS 1.3 keeps its three
 * standard suites, all AEAD with forward secrecy.
 */
export const ADMIN_TLS_CIPHERS = [
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "TLS_AES_128_GCM_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

/** The hostname of a Host header ("pi.local:8443", "[::1]:8443"), lower case, without the port. */
export function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]") > 0 ? h.indexOf("]") : undefined);
  const colon = h.lastIndexOf(":");
  return (colon > 0 && h.indexOf(":") === colon ? h.slice(0, colon) : h).replace(/\.$/, "");
}

/**
 * The names a browser may use to reach this admin page: what `web.hostnames` lists, the
 * machine's own name (and name.local), localhost, and every address of its interfaces. A page
 * reached under any other name was found through someone else's DNS (DNS rebinding): a
 * hostile site resolving its own name to this device would otherwise be "same origin".
 */
export function allowedHostnames(web: { bind: string; hostnames?: string[] }): Set<string> {
  const names = new Set<string>(["localhost", "127.0.0.1", "::1"]);
  const own = hostname().toLowerCase();
  names.add(own);
  names.add(`${own}.local`);
  if (web.bind !== "0.0.0.0" && web.bind !== "::") names.add(hostnameOf(web.bind));
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) names.add(a.address.toLowerCase().replace(/%.*$/, ""));
  for (const n of web.hostnames ?? []) names.add(hostnameOf(n));
  return names;
}

/** A browser's Origin matches only this server itself: the same host over https. */
export function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    const url = new URL(origin);
    return url.protocol === "https:" && url.host === host;
  } catch {
    return false;
  }
}

/** The first byte of a TLS connection is a handshake record (22); "G", "P", "H" are plain HTTP. */
const TLS_HANDSHAKE = 0x16;

/**
 * Listens for the HTTPS server and answers plain HTTP on the same port with a one-line hint,
 * instead of a connection that just closes (what a browser shows for http://pi:8443/).
 */
export function listenBesidePlainHttp(
  https: HttpsServer,
  port: number,
  bind: string,
  hint: (host: string | undefined) => string,
): Promise<NetServer> {
  const server = createNetServer((socket: Socket) => {
    // A connection that never sends its first byte is not kept open forever.
    socket.setTimeout(10_000, () => socket.destroy());
    socket.once("data", (first: Buffer) => {
      socket.pause();
      socket.setTimeout(0);
      if (first[0] === TLS_HANDSHAKE) {
        // The TLS socket takes the buffered byte back and reads from the handle itself: the
        // raw socket must stay paused (resuming it would steal the handshake).
        socket.unshift(first);
        https.emit("connection", socket);
        return;
      }
      const host = /\r\nhost:\s*([^\r\n]+)/i.exec(first.toString("latin1"))?.[1];
      const body = `${hint(host)}\n`;
      socket.end(
        `HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    socket.on("error", () => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, bind, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
