import type { PanelAction, PanelDevice } from "./panel-device.js";

export interface DemoBadge {
  number: string;
  label: string;
}

/** Largest number a W34 frame carries (the console's `badge` accepts the same range). */
const MAX_BADGE = 0xffffffff;

/**
 * A badge reader on the panel: tap one of the demo badges or type any number. `present` is the
 * same call the console's `badge` command makes (Wiegand or RDM6300, whichever is configured).
 */
export function badgePanelDevice(present: (number: number) => void, demo: DemoBadge[]): PanelDevice {
  const listeners = new Set<() => void>();
  let last: string | null = null;
  return {
    id: "badge",
    label: "Badge reader",
    actions(): PanelAction[] {
      return [
        ...demo.map((b) => ({ id: `tap:${b.number}`, label: `Tap ${b.label}'s badge` })),
        { id: "tap", label: "Tap badge", input: "Badge number" },
      ];
    },
    run(action: string): void {
      const m = /^tap:(\d{1,10})$/.exec(action);
      if (!m || Number(m[1]) > MAX_BADGE)
        throw new Error("a badge number is 1 to 10 digits, up to 4294967295");
      present(Number(m[1]));
      last = m[1] as string;
      for (const l of listeners) l();
    },
    state() {
      return { last_tapped: last ?? "none" };
    },
    onChange(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
