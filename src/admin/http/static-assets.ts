import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join } from "node:path";
import { gzipSync } from "node:zlib";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".png": "image/png",
};

interface Asset {
  type: string;
  raw: Buffer;
  gzip: Buffer;
  etag: string;
}

/**
 * A folder of small files held in memory (plain and gzipped), served with ETags. No build step:
 * what is in the folder is what the browser gets. `/` serves index.html.
 */
export class StaticAssets {
  private readonly assets = new Map<string, Asset>();

  /** `also`: a few files from another folder (the hub's page borrows the door page's styles and helpers). */
  constructor(dir: string, also: { dir: string; files: string[] } | null = null) {
    this.load(dir, readdirSync(dir));
    if (also) this.load(also.dir, also.files);
  }

  private load(dir: string, names: string[]): void {
    for (const name of names) {
      const type = TYPES[extname(name)];
      if (!type) continue;
      const raw = readFileSync(join(dir, name));
      const etag = `"${createHash("sha256").update(raw).digest("base64url").slice(0, 16)}"`;
      this.assets.set(`/${name}`, { type, raw, gzip: gzipSync(raw, { level: 9 }), etag });
    }
  }

  /** Answers if the path is one of the files; returns false to let the caller 404. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const asset = this.assets.get(path === "/" ? "/index.html" : path);
    if (!asset || (req.method !== "GET" && req.method !== "HEAD")) return false;
    const headers: Record<string, string> = {
      "content-type": asset.type,
      etag: asset.etag,
      "cache-control": "no-cache",
      vary: "accept-encoding",
    };
    if (req.headers["if-none-match"] === asset.etag) {
      res.writeHead(304, headers).end();
      return true;
    }
    const gzip =
      /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? "")) && asset.gzip.length < asset.raw.length;
    const body = gzip ? asset.gzip : asset.raw;
    if (gzip) headers["content-encoding"] = "gzip";
    headers["content-length"] = String(body.length);
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  }

  /** Bytes a first visit transfers for these files (gzipped where that is smaller). */
  transferBytes(): number {
    let total = 0;
    for (const a of this.assets.values()) total += Math.min(a.gzip.length, a.raw.length);
    return total;
  }
}
