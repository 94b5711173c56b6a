import type { DeviceEvents } from "../../devices/types.js";

type Handler<T> = (payload: T) => void | Promise<void>;
type ErrorSink = (event: string, err: unknown) => void;

/**
 * One typed bus from drivers to services. A listener that throws (or rejects) is reported
 * to the error sink and cannot stop the listeners after it.
 */
export class EventBus<Events extends object = DeviceEvents> {
  private handlers = new Map<keyof Events, Set<Handler<never>>>();

  constructor(private readonly onListenerError: ErrorSink) {}

  on<K extends keyof Events>(event: K, handler: Handler<Events[K]>): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler as Handler<never>);
    return () => set.delete(handler as Handler<never>);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    for (const handler of this.handlers.get(event) ?? []) {
      try {
        const result = (handler as Handler<Events[K]>)(payload);
        if (result instanceof Promise) result.catch((err) => this.onListenerError(String(event), err));
      } catch (err) {
        this.onListenerError(String(event), err);
      }
    }
  }
}
