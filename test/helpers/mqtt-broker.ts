import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect as netConnect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Aedes } from "aedes";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { freePort } from "./free-port.js";
import { hasMosquitto } from "./mosquitto-tls.js";

export interface TestBroker {
  url: string;
  kind: "aedes" | "mosquitto" | "external";
  close(): Promise<void>;
}

/**
 * The real broker named by MQTT_TEST_URL (CI starts Mosquitto), else a private Mosquitto on a
 * free port in a temp dir (the door speaks MQTT 5, which aedes does not), else an in-process
 * aedes broker (MQTT 3.1.1 only: the door then refuses remote commands). Tests against a shared
 * broker use unique topics, so retained messages from one test never reach another.
 */
export async function startTestBroker(opts: { mqtt311Only?: boolean } = {}): Promise<TestBroker> {
  const external = process.env.MQTT_TEST_URL;
  if (external && !opts.mqtt311Only) return { url: external, kind: "external", close: async () => {} };
  if (hasMosquitto && !opts.mqtt311Only) return startPrivateMosquitto();
  return startAedes();
}

async function startPrivateMosquitto(): Promise<TestBroker> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "doorward-mosquitto-"));
  const config = join(dir, "mosquitto.conf");
  writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  let output = "";
  const child = spawn("mosquitto", ["-c", config], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  for (let i = 0; !(await canConnect(port)); i++) {
    if (i > 100 || child.exitCode !== null) throw new Error(`mosquitto did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    kind: "mosquitto",
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(port, "127.0.0.1");
    socket.on("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

async function startAedes(): Promise<TestBroker> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const sockets = trackSockets(server);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    kind: "aedes",
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return sockets;
}

/**
 * A TCP relay in front of the broker that a test can cut (the network is gone: sockets die
 * without a DISCONNECT, so the broker fires the last will) and restore on the same port.
 */
export class CuttableLink {
  private server: Server | null = null;
  private sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  static async open(brokerUrl: string): Promise<CuttableLink> {
    const link = new CuttableLink(new URL(brokerUrl));
    await link.listen();
    return link;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = netConnect(Number(this.target.port || 1883), this.target.hostname);
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {});
      }
      inbound.pipe(outbound).pipe(inbound);
      inbound.on("close", () => outbound.destroy());
      outbound.on("close", () => inbound.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restore(): Promise<void> {
    await this.listen();
  }
}

export interface Received {
  topic: string;
  text: string;
  retain: boolean;
}

/** A plain subscriber recording everything on `topics`. */
export async function subscriber(
  url: string,
  topics: string[],
  options: IClientOptions = {},
): Promise<{
  client: MqttClient;
  messages: Received[];
  waitFor(pred: (all: Received[]) => boolean, timeoutMs?: number): Promise<void>;
  end(): Promise<void>;
}> {
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 200,
    ...options,
  });
  const messages: Received[] = [];
  client.on("message", (topic, payload, packet) =>
    messages.push({ topic, text: payload.toString(), retain: packet.retain }),
  );
  await client.subscribeAsync(topics, { qos: 1 });
  return {
    client,
    messages,
    waitFor: (pred, timeoutMs = 10_000) => waitUntil(() => pred(messages), timeoutMs),
    end: () => client.endAsync(true),
  };
}

/** Polls (real time, bounded) until the condition holds: network round trips cannot use a fake clock. */
export async function waitUntil(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
