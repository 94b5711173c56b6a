/**
 * The extension point for more virtual hardware on the simulator panel (a fingerprint sensor,
 * a badge reader…): register one with `SimPanelServer.addDevice()` and the page shows its
 * state as label/value pairs and its actions as buttons, with no change to the page itself.
 *
 * Example (a fingerprint helper would write):
 *   panel.addDevice({
 *     id: "fingerprint", label: "Fingerprint sensor",
 *     actions: () => [{ id: "place:1", label: "Place enrolled finger 1" }, { id: "place:unknown", label: "Place unknown finger" }],
 *     run: (action) => sensor.placeFinger(...),
 *     state: () => ({ finger: sensor.fingerPresent ? "placed" : "none", led: sensor.ledColour }),
 *     onChange: (notify) => sensor.onChange(notify),
 *   });
 */
export interface PanelAction {
  id: string;
  label: string;
  /** A free-entry field shown beside the button (its label); the typed value is appended to the id. */
  input?: string;
}

export interface PanelDevice {
  /** Stable id, [a-z0-9_-]; used in the action URL. */
  id: string;
  label: string;
  actions(): PanelAction[];
  /**
   * Runs one action; an unknown id should throw (the panel answers 400 with its message). An
   * action with `input` arrives as `<id>:<what the person typed>`.
   */
  run(actionId: string): void | Promise<void>;
  state(): Record<string, string | number | boolean | null>;
  /** Calls `notify` whenever state() would answer differently; returns an unsubscribe. */
  onChange(notify: () => void): () => void;
}
