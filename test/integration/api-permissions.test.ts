import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";

// Words that exist only inside places some people may not see. A response to someone outside must
// not contain them, whatever its status.
const SECRET_BODY = "SECRET-PLANS-42";
const SECRET_NAME = "war-room";
const DM_BODY = "DM-WHISPER-77";
const GLOBEX_BODY = "GLOBEX-CONFIDENTIAL";
const GLOBEX_NAME = "globex-labs";
const EVERY_SECRET = [SECRET_BODY, SECRET_NAME, DM_BODY, GLOBEX_BODY, GLOBEX_NAME];

interface World {
  general: string;
  secret: string;
  secretMessage: string;
  generalMessage: string;
  dm: string;
  dmMessage: string;
  globexChannel: string;
  globexMessage: string;
}

type Who = "alice" | "bob" | "carol" | "dave";
interface Scenario {
  who: Who;
  method: string;
  path: (w: World) => string;
  body?: (w: World) => unknown;
  status: number;
  /** Secrets this caller may legitimately see in this answer. */
  mayContain?: string[];
}

// alice: member of Acme, in the private #war-room, in a DM with dave.
// bob:   member of another community (Globex) only.
// carol: member of Acme, not in #war-room, not in the DM.
// dave:  admin of Acme, not in #war-room.
const scenarios: [string, Scenario][] = [
  [
    "alice reads the private channel she is in",
    {
      who: "alice",
      method: "GET",
      path: (w) => `/api/channels/${w.secret}/messages`,
      status: 200,
      mayContain: [SECRET_BODY],
    },
  ],
  [
    "carol cannot see the private channel",
    { who: "carol", method: "GET", path: (w) => `/api/channels/${w.secret}`, status: 404 },
  ],
  [
    "carol cannot read its history",
    { who: "carol", method: "GET", path: (w) => `/api/channels/${w.secret}/messages`, status: 404 },
  ],
  [
    "carol cannot post in it",
    {
      who: "carol",
      method: "POST",
      path: (w) => `/api/channels/${w.secret}/messages`,
      body: () => ({ body_md: "let me in" }),
      status: 404,
    },
  ],
  [
    "carol cannot join it",
    { who: "carol", method: "POST", path: (w) => `/api/channels/${w.secret}/join`, status: 404 },
  ],
  [
    "carol cannot add herself to it",
    {
      who: "carol",
      method: "POST",
      path: (w) => `/api/channels/${w.secret}/members`,
      body: () => ({ user_id: ids.carol }),
      status: 404,
    },
  ],
  [
    "carol cannot rename it",
    {
      who: "carol",
      method: "PATCH",
      path: (w) => `/api/channels/${w.secret}`,
      body: () => ({ topic: "mine" }),
      status: 404,
    },
  ],
  [
    "carol cannot move a read position in it",
    {
      who: "carol",
      method: "POST",
      path: (w) => `/api/channels/${w.secret}/read`,
      body: (w) => ({ message_id: w.secretMessage }),
      status: 404,
    },
  ],
  [
    "carol cannot fetch a private message by id",
    { who: "carol", method: "GET", path: (w) => `/api/messages/${w.secretMessage}`, status: 404 },
  ],
  [
    "carol cannot read its thread",
    { who: "carol", method: "GET", path: (w) => `/api/messages/${w.secretMessage}/replies`, status: 404 },
  ],
  [
    "carol cannot react to it",
    {
      who: "carol",
      method: "PUT",
      path: (w) => `/api/messages/${w.secretMessage}/reactions/${encodeURIComponent("👀")}`,
      status: 404,
    },
  ],
  [
    "carol cannot edit it",
    {
      who: "carol",
      method: "PATCH",
      path: (w) => `/api/messages/${w.secretMessage}`,
      body: () => ({ body_md: "x" }),
      status: 404,
    },
  ],
  [
    "carol cannot delete it",
    { who: "carol", method: "DELETE", path: (w) => `/api/messages/${w.secretMessage}`, status: 404 },
  ],
  [
    "carol's channel list leaves it out",
    { who: "carol", method: "GET", path: () => "/api/communities/acme/channels", status: 200 },
  ],
  [
    "carol's notifications leave it out",
    { who: "carol", method: "GET", path: () => "/api/notifications", status: 200 },
  ],
  [
    "an admin who is not in it cannot read it either",
    { who: "dave", method: "GET", path: (w) => `/api/channels/${w.secret}/messages`, status: 404 },
  ],
  [
    "an admin cannot delete a message they cannot see",
    { who: "dave", method: "DELETE", path: (w) => `/api/messages/${w.secretMessage}`, status: 404 },
  ],
  [
    "carol cannot read alice and dave's DM",
    { who: "carol", method: "GET", path: (w) => `/api/channels/${w.dm}/messages`, status: 404 },
  ],
  [
    "carol cannot fetch a DM message",
    { who: "carol", method: "GET", path: (w) => `/api/messages/${w.dmMessage}`, status: 404 },
  ],
  [
    "carol cannot post into their DM",
    {
      who: "carol",
      method: "POST",
      path: (w) => `/api/channels/${w.dm}/messages`,
      body: () => ({ body_md: "hi" }),
      status: 404,
    },
  ],
  ["carol's DM list leaves it out", { who: "carol", method: "GET", path: () => "/api/dm", status: 200 }],
  [
    "dave reads his DM",
    {
      who: "dave",
      method: "GET",
      path: (w) => `/api/channels/${w.dm}/messages`,
      status: 200,
      mayContain: [DM_BODY],
    },
  ],
  ["bob cannot see Acme", { who: "bob", method: "GET", path: () => "/api/communities/acme", status: 404 }],
  [
    "bob cannot list Acme's channels",
    { who: "bob", method: "GET", path: () => "/api/communities/acme/channels", status: 404 },
  ],
  [
    "bob cannot list Acme's members",
    { who: "bob", method: "GET", path: () => "/api/communities/acme/members", status: 404 },
  ],
  [
    "bob cannot change an Acme member",
    {
      who: "bob",
      method: "PATCH",
      path: () => `/api/communities/acme/members/${ids.carol}`,
      body: () => ({ nickname: "x" }),
      status: 404,
    },
  ],
  [
    "bob cannot create a channel in Acme",
    {
      who: "bob",
      method: "POST",
      path: () => "/api/communities/acme/channels",
      body: () => ({ name: "bobs" }),
      status: 404,
    },
  ],
  [
    "bob cannot read Acme's public channel",
    { who: "bob", method: "GET", path: (w) => `/api/channels/${w.general}/messages`, status: 404 },
  ],
  [
    "bob cannot join Acme's public channel",
    { who: "bob", method: "POST", path: (w) => `/api/channels/${w.general}/join`, status: 404 },
  ],
  [
    "bob cannot fetch an Acme message",
    { who: "bob", method: "GET", path: (w) => `/api/messages/${w.generalMessage}`, status: 404 },
  ],
  [
    "bob cannot react in Acme",
    {
      who: "bob",
      method: "PUT",
      path: (w) => `/api/messages/${w.generalMessage}/reactions/${encodeURIComponent("👍")}`,
      status: 404,
    },
  ],
  [
    "bob cannot look up Acme people",
    { who: "bob", method: "GET", path: () => `/api/users/${ids.carol}`, status: 404 },
  ],
  [
    "bob cannot DM Acme people",
    {
      who: "bob",
      method: "POST",
      path: () => "/api/dm",
      body: () => ({ user_ids: [ids.carol] }),
      status: 404,
    },
  ],
  [
    "alice cannot see Globex's channel",
    { who: "alice", method: "GET", path: (w) => `/api/channels/${w.globexChannel}/messages`, status: 404 },
  ],
  [
    "alice cannot fetch a Globex message",
    { who: "alice", method: "GET", path: (w) => `/api/messages/${w.globexMessage}`, status: 404 },
  ],
  [
    "alice's community list is only hers",
    { who: "alice", method: "GET", path: () => "/api/communities", status: 200 },
  ],
  [
    "carol cannot delete alice's message",
    { who: "carol", method: "DELETE", path: (w) => `/api/messages/${w.generalMessage}`, status: 403 },
  ],
  [
    "carol cannot make herself admin",
    {
      who: "carol",
      method: "PATCH",
      path: () => `/api/communities/acme/members/${ids.carol}`,
      body: () => ({ role: "admin" }),
      status: 403,
    },
  ],
  [
    "carol looks up a fellow member",
    { who: "carol", method: "GET", path: () => `/api/users/${ids.alice}`, status: 200 },
  ],
  [
    "a malformed id is a plain 404",
    { who: "carol", method: "GET", path: () => "/api/channels/not-a-uuid", status: 404 },
  ],
  [
    "an unknown id is the same 404",
    { who: "carol", method: "GET", path: () => `/api/messages/${crypto.randomUUID()}`, status: 404 },
  ],
];
const ids: Record<Who, string> = { alice: "", bob: "", carol: "", dave: "" };

describe.each(DB_KINDS)("who may see what, on %s", (kind) => {
  let t: TestApi;
  const people = {} as Record<Who, Person>;
  const world = {} as World;

  const call = <T = Record<string, unknown>>(who: Person, method: string, path: string, body?: unknown) =>
    t.json<T>(who, method, path, body);

  beforeAll(async () => {
    t = await startTestApi(kind);
    for (const name of ["alice", "bob", "carol", "dave"] as Who[]) {
      people[name] = await t.person(name);
      ids[name] = people[name].id;
    }
    const { alice, bob, carol, dave } = people;
    await call(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    await t.join(carol, "acme");
    await t.join(dave, "acme", "admin");
    await call(bob, "POST", "/api/communities", { name: "Globex", slug: "globex" });
    const acme = await call<{ items: { id: string }[] }>(alice, "GET", "/api/communities/acme/channels");
    world.general = (acme.items[0] as { id: string }).id;
    world.generalMessage = (
      await call<{ id: string }>(alice, "POST", `/api/channels/${world.general}/messages`, {
        body_md: "hello all",
      })
    ).id;
    world.secret = (
      await call<{ id: string }>(alice, "POST", "/api/communities/acme/channels", {
        name: SECRET_NAME,
        visibility: "private",
      })
    ).id;
    world.secretMessage = (
      await call<{ id: string }>(alice, "POST", `/api/channels/${world.secret}/messages`, {
        body_md: `${SECRET_BODY} @carol @dave`,
      })
    ).id;
    world.dm = (await call<{ id: string }>(alice, "POST", "/api/dm", { user_ids: [dave.id] })).id;
    world.dmMessage = (
      await call<{ id: string }>(alice, "POST", `/api/channels/${world.dm}/messages`, { body_md: DM_BODY })
    ).id;
    world.globexChannel = (
      await call<{ id: string }>(bob, "POST", "/api/communities/globex/channels", { name: GLOBEX_NAME })
    ).id;
    world.globexMessage = (
      await call<{ id: string }>(bob, "POST", `/api/channels/${world.globexChannel}/messages`, {
        body_md: `${GLOBEX_BODY} @alice`,
      })
    ).id;
  });
  afterAll(() => t.close());

  test.each(scenarios)("%s", async (_name, s) => {
    const res = await t.call(people[s.who], s.method, s.path(world), s.body?.(world));
    const text = await res.text();
    expect(`${res.status} ${text.slice(0, 200)}`).toStartWith(`${s.status} `);
    for (const secret of EVERY_SECRET) {
      if (s.mayContain?.includes(secret)) expect(text).toContain(secret);
      else expect(text).not.toContain(secret);
    }
  });
});
