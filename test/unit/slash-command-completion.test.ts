import { describe, expect, test } from "bun:test";
import type { MeJson } from "../../lib/client/views.ts";
import { readCommandReply } from "../../lib/slash-commands/reply.ts";
import { complete } from "../../lib/terminal/tui/completion.ts";
import { applyEvent, initialState } from "../../lib/terminal/tui/state.ts";
import { commandCompletions } from "../../services/web-sm/views/channel.ts";

const me = { id: "a", username: "alice", display_name: "Alice" } as MeJson;

describe("a community's own commands in the clients", () => {
  test("TUI Tab completes a custom command after the built-ins", () => {
    const s = initialState(me);
    s.customCommands = ["deploy", "dice"];
    s.input = { text: "/dep", cursor: 4, editing: null };
    expect(complete(s)?.input.text).toBe("/deploy ");
    s.input = { text: "/d", cursor: 2, editing: null };
    expect(complete(s)?.completions).toEqual(["/dm", "/dnd", "/deploy", "/dice"]);
  });

  test("the web composer offers a custom command with its hint and description", () => {
    const offers = commandCompletions("member", [
      { name: "deploy", description: "Deploy a branch", usage_hint: "[env]" },
    ]);
    expect(offers.at(-1)).toEqual({ value: "/deploy ", label: "/deploy [env] — Deploy a branch" });
    // A member is not offered the admin-only /command.
    expect(offers.some((o) => o.value === "/command ")).toBe(false);
  });

  test("a later ephemeral answer flashes in the TUI of the channel it was typed in, not elsewhere", () => {
    const s = initialState(me);
    s.currentId = "c1";
    const event = (channel: string) => ({
      event: "command.replied",
      data: { channel_id: channel, data: { command: "/deploy", reply_md: "Deployed **prod**" } },
    });
    expect(applyEvent(s, event("c1")).flash).toBe("/deploy: Deployed prod");
    expect(applyEvent(s, event("c2")).flash).toBeUndefined();
  });
});

describe("reading a Slack app's answer", () => {
  test("JSON text is Slack mrkdwn; response_type decides who sees it; an empty answer shows nothing", () => {
    expect(
      readCommandReply(JSON.stringify({ text: "*hi* <https://x.test|there>" }), "application/json"),
    ).toEqual({
      responseType: "ephemeral",
      md: "**hi** [there](https://x.test)",
    });
    expect(
      readCommandReply('{"response_type":"in_channel","text":"all"}', "application/json")?.responseType,
    ).toBe("in_channel");
    expect(readCommandReply("", "text/plain")).toBeNull();
    expect(readCommandReply("{}", "application/json")).toBeNull();
  });

  test("plain text is shown literally, markdown characters and all", () => {
    expect(readCommandReply("a *b* <c>", "text/plain")).toEqual({
      responseType: "ephemeral",
      md: "a \\*b\\* \\<c\\>",
    });
  });

  test("a header, section fields and a divider are drawn; unknown blocks are counted in a note", () => {
    const md = readCommandReply(
      JSON.stringify({
        blocks: [
          { type: "header", text: { type: "plain_text", text: "Deploys" } },
          { type: "divider" },
          {
            type: "section",
            fields: [
              { type: "mrkdwn", text: "*env*" },
              { type: "plain_text", text: "prod" },
            ],
          },
          { type: "actions", elements: [] },
          { type: "actions", elements: [] },
        ],
      }),
      "application/json",
    )?.md;
    expect(md).toBe("**Deploys**\n\n**env**\nprod\n\n_(2 actions blocks not shown here)_");
  });
});
