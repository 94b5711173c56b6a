import { z } from "zod";
import { httpsPageSchema } from "./web-schema.js";

const topicPrefix = /^[A-Za-z0-9][A-Za-z0-9_\-/]{0,126}[A-Za-z0-9_-]$|^[A-Za-z0-9]$/;

/** 8444: a laptop running a simulated door (8443) and a hub side by side needs two ports. */
const hubHttpSchema = httpsPageSchema(8444);

/**
 * The `hub` section: used only by `doorward hub` (the site's audit hub), ignored by a door. A
 * hub machine usually has a config file of its own holding just this section.
 */
export const hubSchema = z
  .object({
    /** postgres://user@host/db (password from PGPASSWORD or ~/.pgpass). Null: PGlite embedded in data_dir. */
    database_url: z
      .string()
      .regex(/^postgres(ql)?:\/\/.+/, "a postgres:// URL")
      .nullable()
      .default(null),
    data_dir: z.string().min(1).default("./data/hub"),
    mqtt_url: z
      .string()
      .regex(/^(mqtts?|wss?|tcp|ssl):\/\/.+/, "an mqtt:// or mqtts:// URL")
      .default("mqtt://localhost:1883"),
    /** Persistent session id: must be unique per hub process and stable across its restarts. */
    client_id: z.string().min(1).max(128).default("doorward-hub"),
    username: z.string().min(1).nullable().default(null),
    password_file: z.string().min(1).nullable().default(null),
    tls: z
      .object({
        ca_file: z.string().min(1).nullable().default(null),
        cert_file: z.string().min(1).nullable().default(null),
        key_file: z.string().min(1).nullable().default(null),
      })
      .strict()
      .default({ ca_file: null, cert_file: null, key_file: null }),
    /** Doors publish under `<prefix>/<door>/…` (the doors' default prefix is doorward/<door_id>). */
    prefix: z
      .string()
      .regex(topicPrefix, "topic segments without wildcards or a trailing '/'")
      .default("doorward"),
    /** Several hub processes share the load: `$share/doorward-hub/<prefix>/+/event` (Mosquitto 2, EMQX). */
    shared_subscription: z.boolean().default(false),
    alert_topic: z.string().regex(topicPrefix).default("doorward/hub/alert"),
    /** Null keeps everything; otherwise whole months older than this are dropped. */
    retention_days: z.number().int().min(1).max(36_500).nullable().default(null),
    /** One insert per batch: flushed at batch_max events or batch_ms after the first. */
    batch_max: z.number().int().min(1).max(10_000).default(1000),
    batch_ms: z.number().int().min(1).max(5000).default(20),
    /** The auditors' read-only page, served by `doorward hub` (same rules as the door's admin page). */
    http: hubHttpSchema,
  })
  .strict()
  .default({
    database_url: null,
    data_dir: "./data/hub",
    mqtt_url: "mqtt://localhost:1883",
    client_id: "doorward-hub",
    username: null,
    password_file: null,
    tls: { ca_file: null, cert_file: null, key_file: null },
    prefix: "doorward",
    shared_subscription: false,
    alert_topic: "doorward/hub/alert",
    retention_days: null,
    batch_max: 1000,
    batch_ms: 20,
    http: hubHttpSchema.parse(undefined),
  });

export type HubSettings = z.infer<typeof hubSchema>;
