import { describe, expect, test } from "bun:test";
import type { DmJson, MemberJson, MessageJson, UserJson } from "../../lib/client/views.ts";
import { plainStyle } from "../../lib/terminal/ansi.ts";
import { messageLines as cliMessageLines } from "../../lib/terminal/cli/format.ts";
import { dmItem } from "../../lib/terminal/tui/state.ts";
import { messageLines as tuiMessageLines } from "../../lib/terminal/tui/view.ts";
import { dmName, type Shell } from "../../services/web-sm/shell.ts";
import { messageItem } from "../../services/web-sm/views/message.ts";
import { membersPane } from "../../services/web-sm/views/pages.ts";

const person = (username: string, deactivated: boolean): UserJson => ({
  id: `id-${username}`,
  username,
  display_name: username[0]?.toUpperCase() + username.slice(1),
  avatar_url: null,
  is_bot: false,
  deactivated,
  online: false,
});
const bob = person("bob", true);
const carol = person("carol", false);
const alice = person("alice", false);
const by = (author: UserJson, id: string): MessageJson => ({
  id,
  channel_id: "ch",
  community_id: "c",
  parent_id: null,
  author,
  body_md: "hello",
  deleted: false,
  embeds: null,
  client_msg_id: null,
  created_at: "2030-01-01T12:00:00Z",
  edited_at: null,
  reply_count: 0,
  reactions: [],
  mentions: [],
  attachments: [],
});

/** The text inside every element matching `selector`, parsed by Bun's HTML rewriter. */
async function textsOf(html: string, selector: string): Promise<string[]> {
  const texts: string[] = [];
  let open = -1;
  const rewriter = new HTMLRewriter()
    .on(selector, {
      element(el) {
        texts.push("");
        open = texts.length - 1;
        el.onEndTag(() => {
          open = -1;
        });
      },
    })
    .on("*", {
      text(t) {
        if (open >= 0) texts[open] += t.text;
      },
    });
  await rewriter.transform(new Response(html)).text();
  return texts.map((t) => t.replace(/\s+/g, " ").trim());
}

describe("a deactivated person is marked wherever a client names them", () => {
  test("web: a message's header says (deactivated) for its deactivated author only", async () => {
    const [gone] = await textsOf(
      String(messageItem(by(bob, "01900000-0000-7000-8000-000000000001"))),
      "header",
    );
    const [here] = await textsOf(
      String(messageItem(by(carol, "01900000-0000-7000-8000-000000000002"))),
      "header",
    );
    expect(gone).toStartWith("Bob (deactivated) @bob");
    expect(here).toStartWith("Carol @carol");
    expect(here).not.toContain("deactivated");
  });

  test("web: the members page marks them and offers no Message button for them", async () => {
    const members: MemberJson[] = [bob, carol].map((user) => ({
      user,
      role: "member",
      nickname: null,
      joined_at: "2030-01-01T00:00:00Z",
    }));
    const shell = { me: alice, community: { name: "Acme" } } as unknown as Shell;
    const cells = await textsOf(String(membersPane(shell, members, { q: "", next: null })), "tbody td");
    expect(cells).toEqual([
      "Bob (deactivated)",
      "@bob",
      "member",
      "",
      "Carol",
      "@carol",
      "member",
      "Message",
    ]);
  });

  test("web: a DM's name marks them", () => {
    expect(dmName({ members: [alice, bob, carol] } as never, alice.id)).toBe("Bob (deactivated), Carol");
  });

  test("TUI: the message header and the DM's label mark them", () => {
    const header =
      tuiMessageLines(by(bob, "m1"), 80, false)[0]
        ?.map((s) => s.text)
        .join("") ?? "";
    expect(header).toContain("bob (deactivated)");
    expect(
      tuiMessageLines(by(carol, "m2"), 80, false)[0]
        ?.map((s) => s.text)
        .join(""),
    ).not.toContain("deactivated");
    const dm = { id: "dm", members: [alice, bob], unread_count: 0, mention_count: 0 } as unknown as DmJson;
    expect(dmItem(dm, alice.id).label).toBe("bob (deactivated)");
  });

  test("CLI: a message's header on a terminal marks them", () => {
    expect(cliMessageLines(by(bob, "m1"), "#general", plainStyle, false)[0]).toContain("@bob  ");
    expect(cliMessageLines(by(bob, "m1"), "#general", plainStyle, false)[0]).toContain("(deactivated)");
    expect(cliMessageLines(by(carol, "m2"), "#general", plainStyle, false)[0]).not.toContain("deactivated");
  });
});
