import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SimDoor } from "../sim-doors.js";
import type { Simulator } from "../simulator.js";
import type { PanelAction, PanelDevice } from "./panel-device.js";

/** The controller's live event feed, as the panel shows it; supplied by the composition root. */
export interface PanelFeed {
  recent(): unknown[];
  subscribe(listener: (event: unknown) => void): () => void;
}

/** One door as the panel draws it. */
export interface PanelDoorState {
  id: string;
  bolt_released: boolean;
  door_open: boolean;
  leds: { green: boolean; red: boolean };
  buzzer: boolean;
  /** Its keypads' reader ids (the panel draws a keypad for each). */
  keypads: string[];
}

/** The first door's wire state at the top level (the single-door panel), every door in `doors`. */
export interface PanelState {
  doors: PanelDoorState[];
  bolt_released: boolean;
  door_open: boolean;
  leds: { green: boolean; red: boolean };
  buzzer: boolean;
  devices: Array<{
    id: string;
    label: string;
    actions: PanelAction[];
    state: Record<string, unknown>;
  }>;
}

const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/panel.js": { file: "panel.js", type: "text/javascript; charset=utf-8" },
  "/panel.css": { file: "panel.css", type: "text/css; charset=utf-8" },
};
const KEYS = /^[0-9*#]{1,32}$/;

class PanelError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

/**
 * The simulator panel: plain HTTP on localhost, for a person trying doorward without hardware.
 * It drives the same Simulator instance as the console and animates the wire-level state
 * (bolt, contact, LEDs, buzzer) over Server-Sent Events. Only loopback Host headers are served
 * (no DNS rebinding) and actions need a JSON body (a cross-site form cannot send one).
 */
export class SimPanelServer {
  private server: Server | null = null;
  private readonly devices = new Map<string, PanelDevice>();
  private readonly streams = new Set<ServerResponse>();
  private readonly stateListeners = new Set<() => void>();
  private readonly unwatch: Array<() => void> = [];
  private notifyQueued = false;

  constructor(
    private readonly sim: Simulator,
    private readonly feed: PanelFeed,
    private readonly opts: { port: number; host?: string },
  ) {}

  /** Adds more virtual hardware to the panel (see PanelDevice). */
  addDevice(device: PanelDevice): void {
    if (!/^[a-z0-9_-]+$/.test(device.id) || this.devices.has(device.id))
      throw new Error(`bad or duplicate panel device id '${device.id}'`);
    this.devices.set(device.id, device);
    this.unwatch.push(device.onChange(() => this.changed()));
    this.changed();
  }

  state(): PanelState {
    const ind = this.sim.indicators();
    return {
      doors: this.sim.doors.map((d) => {
        const lit = d.indicators();
        return {
          id: d.id,
          bolt_released: d.door.boltReleased,
          door_open: d.door.isOpen,
          leds: { green: lit.green, red: lit.red },
          buzzer: lit.buzzer,
          keypads: d.readers.filter((r) => r.kind === "keypad").map((r) => r.id),
        };
      }),
      bolt_released: this.sim.door.boltReleased,
      door_open: this.sim.door.isOpen,
      leds: { green: ind.green, red: ind.red },
      buzzer: ind.buzzer,
      devices: [...this.devices.values()].map((d) => ({
        id: d.id,
        label: d.label,
        actions: d.actions(),
        state: d.state(),
      })),
    };
  }

  async start(): Promise<{ url: string }> {
    for (const { wiring: w } of this.sim.doors) {
      const lines = [w.relay, w.doorContact, w.ledGreen, w.ledRed, w.buzzer].filter((l) => l !== null);
      for (const l of lines) this.unwatch.push(this.sim.gpio.pin(l.line).onChange(() => this.changed()));
    }
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    const host = this.opts.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, host, () => resolve());
    });
    return { url: `http://${host}:${(server.address() as AddressInfo).port}/` };
  }

  async stop(): Promise<void> {
    for (const off of this.unwatch.splice(0)) off();
    for (const res of this.streams) res.end();
    this.streams.clear();
    const server = this.server;
    this.server = null;
    if (server)
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
  }

  /** Coalesces a burst of pin changes into one state message. */
  private changed(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      for (const l of this.stateListeners) l();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("content-security-policy", "default-src 'self'; frame-ancestors 'none'");
    try {
      const hostName = (req.headers.host ?? "").replace(/:\d+$/, "");
      if (!["localhost", "127.0.0.1", "[::1]"].includes(hostName))
        throw new PanelError(403, "the panel answers on localhost only");
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      const file = FILES[path];
      if (req.method === "GET" && file) {
        res.writeHead(200, { "content-type": file.type, "cache-control": "no-cache" });
        res.end(readFileSync(new URL(`./public/${file.file}`, import.meta.url)));
        return;
      }
      if (req.method === "GET" && path === "/sim/state") return this.json(res, 200, this.state());
      if (req.method === "GET" && path === "/sim/stream") return this.stream(req, res);
      if (req.method !== "POST") throw new PanelError(404, "not found");
      const body = await this.readJson(req);
      await this.act(path, body);
      this.json(res, 200, this.state());
    } catch (err) {
      const e = err instanceof PanelError ? err : new PanelError(400, (err as Error).message);
      this.json(res, e.status, { error: e.message, field: e.field });
    }
  }

  /** The door an action names (`door`), the first door without one. */
  private doorOf(body: Record<string, unknown>): SimDoor {
    if (body.door === undefined) return this.sim.doors[0] as SimDoor;
    const door = this.sim.doors.find((d) => d.id === body.door);
    if (!door) throw new PanelError(404, "no such door", "door");
    return door;
  }

  private async act(path: string, body: Record<string, unknown>): Promise<void> {
    if (path === "/sim/keypad") {
      const keys = body.keys;
      if (typeof keys !== "string" || !KEYS.test(keys))
        throw new PanelError(400, "keys are 0-9, * and #", "keys");
      const door = this.doorOf(body);
      const reader = body.reader === undefined ? undefined : String(body.reader);
      if (!door.readers.some((r) => r.kind === "keypad" && (reader === undefined || r.id === reader)))
        throw new PanelError(404, "no such keypad at this door", "reader");
      // Paced like a person: the answer comes at once, the keys go down and up over the next moments.
      void door.typeKeys(keys, reader);
      return;
    }
    if (path === "/sim/rex") return this.doorOf(body).pressExit();
    if (path === "/sim/door") {
      const door = this.doorOf(body).door;
      if (body.action === "push") {
        if (!door.push()) throw new PanelError(409, "the door is locked: it does not move", "action");
      } else if (body.action === "release") door.release();
      else if (body.action === "force") door.force();
      else throw new PanelError(400, "action is push, release or force", "action");
      return;
    }
    const device = /^\/sim\/device\/([a-z0-9_-]+)$/.exec(path);
    if (device) {
      const d = this.devices.get(device[1] as string);
      if (!d) throw new PanelError(404, "no such device");
      if (typeof body.action !== "string") throw new PanelError(400, "action is required", "action");
      await d.run(body.action);
      return;
    }
    throw new PanelError(404, "not found");
  }

  private stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store" });
    const send = (event: string, data: unknown) => {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    send("state", this.state());
    for (const e of this.feed.recent()) send("event", e);
    const onState = () => send("state", this.state());
    this.stateListeners.add(onState);
    const offFeed = this.feed.subscribe((e) => send("event", e));
    this.streams.add(res);
    req.once("close", () => {
      this.stateListeners.delete(onState);
      offFeed();
      this.streams.delete(res);
    });
  }

  private async readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    if (!/^application\/json\b/.test(String(req.headers["content-type"] ?? ""))) {
      throw new PanelError(415, "send JSON (content-type application/json)");
    }
    let text = "";
    for await (const chunk of req) {
      text += chunk;
      if (text.length > 4096) throw new PanelError(413, "body too large");
    }
    try {
      const value = text ? JSON.parse(text) : {};
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error();
      return value as Record<string, unknown>;
    } catch {
      throw new PanelError(400, "the body is not a JSON object");
    }
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
  }
}
