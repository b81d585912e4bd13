import type { Conn } from "./connection.ts";

function index<K>(map: Map<K, Set<Conn>>, key: K, conn: Conn, add: boolean) {
  const set = map.get(key) ?? new Set<Conn>();
  if (add) set.add(conn);
  else set.delete(conn);
  if (set.size === 0) map.delete(key);
  else map.set(key, set);
}

/**
 * Which connections `reached` picks for a subject's kind and first token, as one string: events
 * with the same audience reach the same connections (while nobody comes or goes).
 */
export const audienceOf = (kind: string | undefined, key: string | undefined) =>
  kind === "events" || kind === "notifications" ? `${kind}.${key}` : "all";

/** The hub's connections, indexed by the community each shows and the person reading it. */
export class ConnRegistry {
  readonly all = new Set<Conn>();
  private readonly byCommunity = new Map<string, Set<Conn>>();
  private readonly byUser = new Map<string, Set<Conn>>();
  // Connections whose reader is not known yet: they hold every event until their context arrives.
  private readonly unnamed = new Set<Conn>();

  add(conn: Conn) {
    this.all.add(conn);
    this.unnamed.add(conn);
  }

  /** Says who reads the connection, the first time its context arrives. */
  name(conn: Conn, userId: string) {
    if (!this.unnamed.delete(conn)) return;
    conn.userId = userId;
    index(this.byUser, userId, conn, true);
  }

  show(conn: Conn, community: Conn["community"]) {
    if (conn.community) index(this.byCommunity, conn.community.id, conn, false);
    conn.community = community;
    if (community) index(this.byCommunity, community.id, conn, true);
  }

  /** Whether any connection shows the community. */
  shows(communityId: string) {
    return this.byCommunity.has(communityId);
  }

  forget(conn: Conn) {
    this.all.delete(conn);
    this.unnamed.delete(conn);
    if (conn.community) index(this.byCommunity, conn.community.id, conn, false);
    if (conn.userId) index(this.byUser, conn.userId, conn, false);
  }

  /**
   * The connections an event may concern, by the subject's kind and first token
   * (`chat.<kind>.<key>…`): a community's events its viewers, a person's notifications their
   * connections, anything else everyone. Connections not indexed yet get community events and
   * notifications too: they hold them and route them once they know.
   */
  reached(kind: string | undefined, key: string | undefined): Conn[] {
    const targets =
      kind === "events"
        ? this.byCommunity.get(key ?? "")
        : kind === "notifications"
          ? this.byUser.get(key ?? "")
          : this.all;
    const conns = [...(targets ?? [])];
    if (kind === "events" || kind === "notifications") conns.push(...this.unnamed);
    return conns;
  }
}
