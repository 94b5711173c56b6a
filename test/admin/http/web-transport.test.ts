import { request } from "node:https";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, startWebHarness, type WebHarness } from "./web-harness.js";

let w: WebHarness;
let port: number;
beforeAll(async () => {
  w = await startWebHarness({ web: { port: 0, hostnames: ["doors.example.org"] } });
  port = w.server.port;
});
afterAll(() => w.stop());

/** Completes a TLS handshake offering only these versions/suites; resolves the suite agreed, or the error. */
function handshake(opts: { ciphers?: string; maxVersion?: "TLSv1.2" | "TLSv1.3" }): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false, ...opts }, () => {
      resolve(socket.getCipher().name);
      socket.end();
    });
    socket.on("error", (err) => resolve(`refused: ${err.message}`));
  });
}

/** A raw HTTPS request with any Host header (fetch will not send a forged one). */
function rawGet(
  path: string,
  host: string,
  method = "GET",
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, method, headers: { host }, rejectUnauthorized: false },
      (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("admin page transport (issue 11 item 15)", () => {
  it("TLS 1.2 only with ECDHE + AEAD suites; CBC-SHA1, CCM8 and ARIA are refused; TLS 1.3 works", async () => {
    for (const weak of [
      "ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES256-SHA:ECDHE-ECDSA-AES256-SHA",
      "AES128-SHA:AES256-SHA:AES128-GCM-SHA256",
      "ECDHE-ECDSA-AES128-CCM8:AES128-CCM8",
      "ECDHE-ARIA128-GCM-SHA256:ECDHE-ECDSA-ARIA128-GCM-SHA256:ARIA128-GCM-SHA256",
      "DHE-RSA-AES128-SHA:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA256",
    ])
      expect(await handshake({ ciphers: weak, maxVersion: "TLSv1.2" }), weak).toMatch(/^refused/);
    expect(
      await handshake({
        ciphers: "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256",
        maxVersion: "TLSv1.2",
      }),
    ).toMatch(/^ECDHE-(RSA|ECDSA)-AES128-GCM-SHA256$/);
    expect(await handshake({})).toMatch(/^TLS_/);
  });

  it("a state change whose Origin has the right host but the http scheme is refused", async () => {
    const c = new ApiClient(w.base);
    await c.login();
    const res = await c.request(
      "POST",
      "/api/users",
      { name: "eve" },
      { origin: `http://127.0.0.1:${port}` },
    );
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "cross-origin request refused", field: "origin" });
    expect(w.app.services.users.find("eve")).toBeUndefined();
    const ok = await c.request(
      "POST",
      "/api/users",
      { name: "eve" },
      { origin: `https://127.0.0.1:${port}` },
    );
    expect(ok.status).toBe(201);
  });

  it("DNS rebinding: a request naming another host is refused (421), the device's names are answered", async () => {
    const evil = await rawGet("/api/session", `rebind.attacker.example:${port}`);
    expect(evil.status).toBe(421);
    expect(JSON.parse(evil.body)).toMatchObject({ field: "host" });
    const page = await rawGet("/", `attacker.example:${port}`);
    expect(page.status).toBe(421);
    expect(page.body).not.toContain("<html");
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `doors.example.org:${port}`,
      `[::1]:${port}`,
    ])
      expect((await rawGet("/", host)).status, host).toBe(200);
  });

  it("405 says which methods the path allows", async () => {
    const res = await rawGet("/api/login", `127.0.0.1:${port}`, "GET");
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("POST");
    const session = await rawGet("/api/session", `127.0.0.1:${port}`, "DELETE");
    expect(session.status).toBe(405);
    expect(session.headers.allow).toBe("GET");
  });

  it("plain HTTP on the HTTPS port gets a one-line hint, not a closed connection", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = netConnect(port, "127.0.0.1", () =>
        socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`),
      );
      let text = "";
      socket.on("data", (d) => (text += d));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    const body = answer.split("\r\n\r\n")[1] ?? "";
    expect(body).toBe(`This is the doorward admin page over HTTPS: open https://127.0.0.1:${port}/\n`);
  });
});
