import { accessChannel } from "../../../lib/channels/access.ts";
import { accessMessage } from "../../../lib/messages/access.ts";
import { doSetPinned, listPins } from "../../../lib/messages/pins.ts";
import { doSetSaved, listSaved } from "../../../lib/messages/saved.ts";
import { pageQuery } from "../../../lib/pagination.ts";
import { api, idParam } from "../api-route.ts";

/** Pin and unpin: the same people may do both; each answers whether the message is pinned now. */
function pinSwitch(method: "POST" | "DELETE", pinned: boolean) {
  return api({
    method,
    path: "/api/messages/:id/pin",
    summary: pinned
      ? "Pin a message to its channel (members who may write there); members see it live"
      : "Take a message's pin off",
    scope: "messages:write",
    handler: async ({ db, principal, params, publish }) => {
      const target = await accessMessage(db.db, principal.user.id, idParam(params.id, "message"));
      const result = await doSetPinned(db.db, principal.user.id, target, pinned);
      await publish(result.events);
      return { message_id: target.message.id, pinned: result.pinned, changed: result.changed };
    },
  });
}

/** Save and forget: a message the caller can read, for themselves only. */
function saveSwitch(method: "PUT" | "DELETE", saved: boolean) {
  return api({
    method,
    path: "/api/messages/:id/saved",
    summary: saved ? "Save a message for later (private to you)" : "Take a message out of your saved items",
    scope: "messages:read",
    handler: async ({ db, principal, params, publish }) => {
      const { message } = await accessMessage(db.db, principal.user.id, idParam(params.id, "message"));
      const result = await doSetSaved(db.db, principal.user.id, message.id, saved);
      await publish(result.events);
      return { message_id: message.id, saved: result.saved, changed: result.changed };
    },
  });
}

export const pinRoutes = [
  api({
    method: "GET",
    path: "/api/channels/:id/pins",
    summary: "A page of a channel's pinned messages, newest first",
    scope: "messages:read",
    query: pageQuery,
    handler: async ({ db, principal, params, query }) => {
      const { channel } = await accessChannel(db.db, principal.user.id, idParam(params.id, "channel"));
      return listPins(db.db, principal.user.id, channel.id, query);
    },
  }),
  pinSwitch("POST", true),
  pinSwitch("DELETE", false),
  api({
    method: "GET",
    path: "/api/saved",
    summary: "A page of your saved messages, newest first (only those you can still read)",
    scope: "messages:read",
    query: pageQuery,
    handler: async ({ db, principal, query }) => listSaved(db.db, principal.user.id, query),
  }),
  saveSwitch("PUT", true),
  saveSwitch("DELETE", false),
];
