import { z } from "zod";

const topicSegment = /^[A-Za-z0-9][A-Za-z0-9_\-/]{0,126}[A-Za-z0-9_-]$|^[A-Za-z0-9]$/;

/**
 * The `mqtt` section. Off by default: a door works alone; the bridge only observes and requests.
 * Secrets are never inline: the password lives in a file readable only by the service.
 */
export const mqttSchema = z
  .object({
    enabled: z.boolean().default(false),
    url: z
      .string()
      .regex(/^(mqtts?|wss?|tcp|ssl):\/\/.+/, "an mqtt:// or mqtts:// URL")
      .default("mqtt://localhost:1883"),
    username: z.string().min(1).nullable().default(null),
    password_file: z.string().min(1).nullable().default(null),
    /** Defaults to `doorward-<door_id>`; must be unique per broker. */
    client_id: z.string().min(1).max(128).nullable().default(null),
    /** Topic prefix; defaults to `doorward/<door_id>`. No wildcards, no trailing slash. */
    prefix: z
      .string()
      .regex(topicSegment, "topic segments without wildcards or a trailing '/'")
      .nullable()
      .default(null),
    /**
     * Where group-wide topics live: `<fleet_prefix>/<group>/command`, `/allowlist`, `/allowlist/delta`,
     * `/allowlist/resync`. The same on every door and on the admin machine of a site.
     */
    fleet_prefix: z
      .string()
      .regex(topicSegment, "topic segments without wildcards or a trailing '/'")
      .default("doorward/fleet"),
    /** Group this door belongs to, for group-addressed commands and allowlist snapshots. */
    group: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "lowercase letters, digits, '-' or '_'")
      .nullable()
      .default(null),
    tls: z
      .object({
        ca_file: z.string().min(1).nullable().default(null),
        cert_file: z.string().min(1).nullable().default(null),
        key_file: z.string().min(1).nullable().default(null),
      })
      .strict()
      .default({ ca_file: null, cert_file: null, key_file: null }),
    /** Remote unlock/lock (signed commands and Home Assistant) is refused unless this is true. */
    remote_control: z.boolean().default(false),
    /** The admin Ed25519 public key: inline PEM or a path to a PEM file. Without it every signed message is refused. */
    admin_public_key: z.string().min(1).nullable().default(null),
    /** HMAC-SHA256 (keyed with the credential key) of the Home Assistant unlock code, hex; see docs/mqtt.md. */
    ha_unlock_code_hash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "64 hex digits")
      .nullable()
      .default(null),
    home_assistant: z
      .object({
        discovery: z.boolean().default(true),
        discovery_prefix: z.string().min(1).default("homeassistant"),
      })
      .strict()
      .default({ discovery: true, discovery_prefix: "homeassistant" }),
    /** Unacknowledged events allowed in flight at once; the cursor only moves over a contiguous acked run. */
    max_in_flight: z.number().int().min(1).max(1000).default(20),
    /** Accepted clock skew for signed commands, either way. */
    command_window_s: z.number().int().min(5).max(3600).default(60),
  })
  .strict()
  .default({
    enabled: false,
    url: "mqtt://localhost:1883",
    username: null,
    password_file: null,
    client_id: null,
    prefix: null,
    fleet_prefix: "doorward/fleet",
    group: null,
    tls: { ca_file: null, cert_file: null, key_file: null },
    remote_control: false,
    admin_public_key: null,
    ha_unlock_code_hash: null,
    home_assistant: { discovery: true, discovery_prefix: "homeassistant" },
    max_in_flight: 20,
    command_window_s: 60,
  });

export type MqttSettings = z.infer<typeof mqttSchema>;
