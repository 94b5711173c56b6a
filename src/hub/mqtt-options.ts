import { readFileSync } from "node:fs";
import type { IClientOptions } from "mqtt";
import type { HubSettings } from "../config/hub-schema.js";

/**
 * A persistent session: MQTT 5 with clean start false and a session that outlives a crash
 * (the broker keeps QoS 1 messages for the hub while it is away and redelivers the unacked
 * ones), and a receive maximum large enough for a whole batch to be in flight before its acks.
 */
export function hubClientOptions(h: HubSettings, extra: Partial<IClientOptions> = {}): IClientOptions {
  const opts: IClientOptions = {
    protocolVersion: 5,
    clientId: h.client_id,
    clean: false,
    properties: { sessionExpiryInterval: 7 * 86_400, receiveMaximum: 65_535 },
    keepalive: 30,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    // mqtt.js logs through `debug` a dozen times per message; switched off, that was ~4 µs per
    // event at the hub. DEBUG=mqttjs* still turns it on.
    ...(/mqttjs/.test(process.env.DEBUG ?? "") ? {} : { log: () => {} }),
    ...extra,
  };
  if (h.username) opts.username = h.username;
  if (h.password_file) opts.password = readFileSync(h.password_file, "utf8").trim();
  if (h.tls.ca_file) opts.ca = readFileSync(h.tls.ca_file);
  if (h.tls.cert_file) opts.cert = readFileSync(h.tls.cert_file);
  if (h.tls.key_file) opts.key = readFileSync(h.tls.key_file);
  return opts;
}

/** What the hub subscribes to, optionally through a shared subscription group. */
export function hubSubscriptions(h: HubSettings): string[] {
  const share = (t: string) => (h.shared_subscription ? `$share/doorward-hub/${t}` : t);
  return [`${h.prefix}/+/event`, `${h.prefix}/+/head`, `${h.prefix}/+/availability`].map(share);
}
