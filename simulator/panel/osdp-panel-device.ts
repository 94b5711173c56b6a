import { encodeCard } from "../../devices/badge/card-formats.js";
import { LedColor } from "../../devices/osdp/constants.js";
import type { Clock } from "../../devices/types.js";
import type { VirtualOsdpPd } from "../virtual-osdp-pd.js";
import type { PanelAction, PanelDevice } from "./panel-device.js";

const COLOR_NAMES = new Map<number, string>(Object.entries(LedColor).map(([name, code]) => [code, name]));

/** What the reader's LED shows now: the temporary colour while its timer runs, else the permanent one. */
function ledNow(pd: VirtualOsdpPd, setAtMs: number, nowMs: number): string {
  const led = pd.led;
  if (!led) return "off";
  const temp = led.temporary;
  const colour = temp && nowMs - setAtMs < temp.timer * 100 ? temp.onColor : led.permanent?.onColor;
  return colour === undefined ? "off" : (COLOR_NAMES.get(colour) ?? `colour ${colour}`);
}

/**
 * An OSDP reader on the panel: present a card (encoded in the reader's configured format, as the
 * console's `card` does), open or close its case, and see its own LED, buzzer and Secure Channel
 * state, which only the controller's commands over the wire change.
 */
export function osdpPanelDevice(opts: {
  id: string;
  pd: VirtualOsdpPd;
  format: "H10301" | "H10306" | "H10304" | "C1000_35" | "raw";
  clock: Clock;
  /** How often the panel looks at the reader's state (it changes through the wire only). */
  watchMs?: number;
}): PanelDevice {
  const { pd, clock } = opts;
  let ledSetAt = clock.now();
  let lastLed = pd.led;
  const snapshot = () => {
    if (pd.led !== lastLed) {
      lastLed = pd.led;
      ledSetAt = clock.now();
    }
    return {
      led: ledNow(pd, ledSetAt, clock.now()),
      buzzer_beeps: pd.buzzer?.count ?? 0,
      secure_channel: pd.secureChannelActive,
      tamper: pd.tamper,
    };
  };
  return {
    id: `osdp-${opts.id}`,
    label: `OSDP reader ${opts.id}`,
    actions(): PanelAction[] {
      const card: PanelAction[] =
        opts.format === "raw" ? [] : [{ id: "card", label: "Present card", input: "facility:card" }];
      return [...card, { id: "tamper", label: pd.tamper ? "Close the case" : "Open the case (tamper)" }];
    },
    run(action: string): void {
      if (action === "tamper") {
        pd.tamper = !pd.tamper;
        return;
      }
      const m = /^card:(\d{1,10}):(\d{1,10})$/.exec(action);
      if (!m || opts.format === "raw") throw new Error("a card is facility:card, e.g. 123:45678");
      pd.presentCard(encodeCard(opts.format, Number(m[1]), Number(m[2])));
    },
    state: snapshot,
    onChange(notify: () => void): () => void {
      let last = JSON.stringify(snapshot());
      let cancel = clock.setTimeout(function watch() {
        const now = JSON.stringify(snapshot());
        if (now !== last) {
          last = now;
          notify();
        }
        cancel = clock.setTimeout(watch, opts.watchMs ?? 200);
      }, opts.watchMs ?? 200);
      return () => cancel();
    },
  };
}
