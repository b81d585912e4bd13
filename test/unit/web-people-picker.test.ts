import { expect, test } from "bun:test";
import type { Member } from "../../services/web-sm/api-types.ts";
import type { Shell } from "../../services/web-sm/shell.ts";
import { newMessagePane } from "../../services/web-sm/views/pages.ts";
import { elementsOf } from "../support/html.ts";

const person = (id: string, username: string, display_name: string): Member => ({
  user: { id, username, display_name, avatar_url: null, is_bot: false },
  role: "member",
  nickname: null,
  joined_at: "2026-01-01T00:00:00Z",
});
const me = person("00000000-0000-7000-8000-000000000001", "alice", "Alice");
const bob = person("00000000-0000-7000-8000-000000000002", "bob", "Bob Builder");
const carol = person("00000000-0000-7000-8000-000000000003", "carol", "Carol");
const shell = { me: me.user, community: { slug: "acme" } } as unknown as Shell;

/** Each person offered, by username: whether shown, whether ticked. */
function offered(query: string) {
  const els = elementsOf(newMessagePane(shell, [me, bob, carol], new URLSearchParams(query)).toString());
  return els
    .filter((e) => e.tag === "input" && e.attrs.type === "checkbox")
    .map((box) => {
      const i = els.indexOf(box);
      const li = els.slice(0, i).findLast((e) => e.tag === "li");
      return {
        name: box.attrs.name,
        hidden: li?.attrs.hidden !== undefined,
        checked: box.attrs.checked !== undefined,
      };
    });
}

test("the filter hides the people whose name does not match, never the reader, and keeps ticks", () => {
  expect(offered("")).toEqual([
    { name: `user:${bob.user.id}`, hidden: false, checked: false },
    { name: `user:${carol.user.id}`, hidden: false, checked: false },
  ]);
  // Bob, ticked and then filtered out, stays ticked (hidden, still sent with the form).
  expect(offered(`q=@CAR&user:${bob.user.id}=1`)).toEqual([
    { name: `user:${bob.user.id}`, hidden: true, checked: true },
    { name: `user:${carol.user.id}`, hidden: false, checked: false },
  ]);
  expect(offered("q=builder")).toEqual([
    { name: `user:${bob.user.id}`, hidden: false, checked: false },
    { name: `user:${carol.user.id}`, hidden: true, checked: false },
  ]);
});
