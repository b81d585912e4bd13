import type { LiveConnection } from "./hub.ts";

/** Open live streams of this process, by stream id, so a later POST can steer one (switch community). */
export class StreamRegistry {
  private readonly streams = new Map<string, { userId: string; conn: LiveConnection }>();
  add(id: string, userId: string, conn: LiveConnection) {
    this.streams.set(id, { userId, conn });
  }
  remove(id: string) {
    this.streams.delete(id);
  }
  /** The caller's own stream, or undefined: nobody steers another person's stream. */
  find(id: string, userId: string): LiveConnection | undefined {
    const found = this.streams.get(id);
    return found?.userId === userId ? found.conn : undefined;
  }
  get size() {
    return this.streams.size;
  }
}
