import { z } from "zod";

/** The admin HTTPS server: on by default, reachable only from the Pi itself until `bind` says otherwise. */
export const webSchema = z
  .object({
    enabled: z.boolean().default(true),
    bind: z.string().min(1).default("127.0.0.1"),
    port: z.number().int().min(0).max(65_535).default(8443),
    /**
     * Extra names the page is reached under (a DNS name pointing at the Pi). The device's own
     * hostname, hostname.local, localhost and its interface addresses are always accepted;
     * requests naming any other host are refused (DNS rebinding).
     */
    hostnames: z.array(z.string().min(1).max(253)).max(20).default([]),
    /** PEM files; both or neither. Without them a self-signed pair is generated into data_dir. */
    cert_file: z.string().min(1).nullable().default(null),
    key_file: z.string().min(1).nullable().default(null),
    session_idle_min: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(30),
    login: z
      .object({
        /** Consecutive wrong passwords for one name from one address before that pair is throttled (never the account for everyone). */
        max_failures: z.number().int().min(1).max(100).default(5),
        /** The first throttle; each repeat doubles it, up to an hour. */
        lockout_s: z.number().int().min(1).max(86_400).default(300),
        /** Login attempts allowed per client address per minute, whatever the account. */
        per_minute: z.number().int().min(1).max(1000).default(10),
      })
      .strict()
      .default({ max_failures: 5, lockout_s: 300, per_minute: 10 }),
  })
  .strict()
  .superRefine((w, ctx) => {
    if ((w.cert_file === null) !== (w.key_file === null))
      ctx.addIssue({ code: "custom", path: ["cert_file"], message: "cert_file and key_file go together" });
  })
  .default({
    enabled: true,
    bind: "127.0.0.1",
    port: 8443,
    hostnames: [],
    cert_file: null,
    key_file: null,
    session_idle_min: 30,
    login: { max_failures: 5, lockout_s: 300, per_minute: 10 },
  });

/** The simulator panel (plain HTTP, localhost only), served by `npm start` beside the console. */
export const simulatorPanelSchema = z
  .object({
    enabled: z.boolean().default(true),
    port: z.number().int().min(0).max(65_535).default(8080),
  })
  .strict()
  .default({ enabled: true, port: 8080 });

/** Spread into the settings object with one line. */
export const webSettingsShape = { web: webSchema, simulator_panel: simulatorPanelSchema };

export type WebSettings = z.infer<typeof webSchema>;
export type SimulatorPanelSettings = z.infer<typeof simulatorPanelSchema>;
