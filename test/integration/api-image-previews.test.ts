import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import sharp from "sharp";
import { acmeWithSecret, DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";

interface Attachment {
  id: string;
  width: number | null;
  height: number | null;
  thumbnail_url: string | null;
}
interface Msg {
  id: string;
  attachments: Attachment[];
}

describe.each(DB_KINDS)("image previews (%s)", (kind) => {
  let t: TestApi;
  let alice: Person;
  let carol: Person;
  let secret: string;
  beforeAll(async () => {
    t = await startTestApi(kind);
    alice = await t.person("alice");
    carol = await t.person("carol");
    ({ secret } = await acmeWithSecret(t, alice));
    await t.join(carol, "acme");
  });
  afterAll(() => t?.close());

  const upload = async (bytes: Uint8Array | string, name: string, type: string) => {
    const form = new FormData();
    form.append("file", new Blob([bytes], { type }), name);
    form.append("body_md", name);
    const res = await t.call(alice, "POST", `/api/channels/${secret}/attachments`, form);
    expect(res.status).toBe(201);
    return ((await res.json()) as { message: Msg }).message.attachments[0] as Attachment;
  };

  test("a picture carries its size and a thumbnail only its channel's readers can load", async () => {
    const png = await sharp({ create: { width: 900, height: 1600, channels: 3, background: "#888" } })
      .png()
      .toBuffer();
    const a = await upload(png, "tall.png", "image/png");
    expect(a).toMatchObject({
      width: 900,
      height: 1600,
      thumbnail_url: `/api/attachments/${a.id}/thumbnail`,
    });
    const thumb = await t.call(alice, "GET", a.thumbnail_url ?? "");
    expect(thumb.headers.get("content-type")).toBe("image/webp");
    const meta = await sharp(new Uint8Array(await thumb.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([270, 480]);
    expect((await t.call(carol, "GET", a.thumbnail_url ?? "")).status).toBe(404);
  });

  test("a file that only claims to be a picture gets no size and no thumbnail, and stays downloadable", async () => {
    const a = await upload("just text", "fake.png", "image/png");
    expect(a).toMatchObject({ width: null, height: null, thumbnail_url: null });
    expect((await t.call(alice, "GET", `/api/attachments/${a.id}/thumbnail`)).status).toBe(404);
    expect(await (await t.call(alice, "GET", `/api/attachments/${a.id}`)).text()).toBe("just text");
  });
});
