// ajet-chat's own script: what htmx does not do (keys, drafts, typing, uploads, autocomplete,
// scrolling, reaction counts). No inline handlers anywhere: everything is delegated from here.
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
  const body = document.body;
  const me = body.dataset.me;
  const community = body.dataset.community;
  const TYPING_EVERY_MS = 3000;

  function post(url, data) {
    const isForm = data instanceof FormData;
    return fetch(url, {
      method: "POST",
      headers: isForm ? {} : { "content-type": "application/json" },
      body: isForm ? data : JSON.stringify(data ?? {}),
      credentials: "same-origin",
    });
  }

  // ---- live connection state -------------------------------------------------------------
  const live = $("#live");
  const conn = $("#conn-state");
  function setLive(up) {
    body.dataset.live = up ? "up" : "down";
    conn?.classList.toggle("down", !up);
  }
  if (live) {
    live.addEventListener("ready", () => setLive(true));
    live.addEventListener("unread", (e) => bumpUnread(JSON.parse(e.detail.data)));
    live.addEventListener("htmx:sse:error", () => setLive(false));
    live.addEventListener("htmx:sse:close", () => setLive(false));
    live.addEventListener("htmx:sse:before:connection", (e) => {
      if (e.detail?.connection?.attempt > 0) setLive(false);
    });
  }

  // ---- unread counts of other channels, bumped here; the sidebar is refetched only when it must be
  function badge(link, cls, text) {
    let b = $(`.badge.${cls}`, link);
    if (!b) {
      b = document.createElement("span");
      b.className = `badge ${cls}`;
      const first = $(".badge", link);
      if (cls === "mention" && first) first.before(b);
      else link.append(b);
    }
    b.textContent = text(b.textContent);
  }
  function bumpUnread(e) {
    if (e.author_id === me) return;
    const link = document.getElementById(`chan-${e.channel_id}`);
    if (!link) return htmx.trigger(live, "sidebar");
    link.classList.add("unread");
    badge(link, "unread", (t) => String(Number(t || 0) + 1));
    if (e.everyone || e.mentions.includes(me))
      badge(link, "mention", (t) => `@${Number(t.slice(1) || 0) + 1}`);
  }

  // ---- times in the reader's zone ---------------------------------------------------------
  function localTimes(root) {
    for (const t of $$("time[datetime]", root)) {
      if (t.dataset.local) continue;
      const d = new Date(t.getAttribute("datetime"));
      if (Number.isNaN(d.getTime())) continue;
      t.textContent = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      t.title = d.toLocaleString();
      t.dataset.local = "1";
    }
  }

  // ---- instructions the stream leaves in #bumps: reply counts and reactions ---------------
  function applyReply(parentId, delta) {
    const link = document.getElementById(`rc-${parentId}`);
    if (!link) return;
    const n = Math.max(0, Number(link.dataset.count || 0) + delta);
    link.dataset.count = String(n);
    link.classList.toggle("none", n === 0);
    link.textContent = n === 0 ? "Reply in thread" : n === 1 ? "1 reply" : `${n} replies`;
  }
  function applyReaction(messageId, emoji, userId, on) {
    for (const box of [document.getElementById(`reactions-${messageId}`)]) {
      if (!box) continue;
      let chip = $$(".reaction", box).find((c) => c.dataset.emoji === emoji);
      if (!chip && !on) continue;
      if (!chip) {
        chip = document.createElement("button");
        chip.type = "button";
        chip.className = "reaction";
        chip.dataset.msg = messageId;
        chip.dataset.emoji = emoji;
        chip.dataset.by = "";
        box.insertBefore(chip, $(".react-open", box));
      }
      const by = new Set((chip.dataset.by || "").split(" ").filter(Boolean));
      if (on) by.add(userId);
      else by.delete(userId);
      if (by.size === 0) {
        chip.remove();
        continue;
      }
      chip.dataset.by = [...by].join(" ");
      chip.textContent = `${emoji} `;
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = String(by.size);
      chip.append(count);
      chip.setAttribute("aria-label", `${emoji} reaction, ${by.size}`);
    }
  }
  const bumps = document.createElement("div");
  bumps.id = "bumps";
  body.append(bumps);
  new MutationObserver(() => {
    for (const i of [...bumps.children]) {
      if (i.dataset.reply) applyReply(i.dataset.reply, Number(i.dataset.delta));
      if (i.dataset.react)
        applyReaction(i.dataset.react, i.dataset.emoji, i.dataset.user, i.dataset.on === "1");
      i.remove();
    }
  }).observe(bumps, { childList: true });

  // ---- reactions ---------------------------------------------------------------------------
  function react(messageId, emoji, mode) {
    const f = new FormData();
    f.set("emoji", emoji);
    if (mode) f.set("mode", mode);
    return post(`/web/messages/${encodeURIComponent(messageId)}/react`, f);
  }
  const picker = $("#react-picker");
  function openPicker(button) {
    if (!picker) return;
    picker.dataset.msg = button.dataset.msg;
    button.after(picker);
    picker.hidden = false;
    $(".pick", picker)?.focus();
  }
  function closePicker() {
    if (!picker || picker.hidden) return false;
    picker.hidden = true;
    document.body.append(picker);
    return true;
  }
  document.addEventListener("click", (e) => {
    const opener = e.target.closest(".react-open");
    if (opener) return openPicker(opener);
    const chip = e.target.closest(".reaction, .pick");
    if (chip) {
      const pick = chip.classList.contains("pick");
      react(pick ? picker.dataset.msg : chip.dataset.msg, chip.dataset.emoji, pick ? "add" : "");
      if (pick) closePicker();
      return;
    }
    if (!e.target.closest("#react-picker")) closePicker();
    if (e.target.closest(".close-panel")) closePanel();
    else if (e.target.closest(".dismiss")) e.target.closest(".ephemeral-reply")?.remove();
    else if (e.target.closest(".cancel-edit")) e.target.closest(".edit-slot").replaceChildren();
    else if (e.target.closest(".nav-toggle")) body.classList.toggle("nav-open");
    else if (e.target.closest(".jump-latest")) scrollToBottom(true);
  });
  document.addEventListener("submit", (e) => {
    const form = e.target.closest(".react-form");
    if (!form) return;
    e.preventDefault();
    const emoji = form.elements.emoji.value.trim();
    if (emoji) react(picker.dataset.msg, emoji, "add");
    form.reset();
    closePicker();
  });

  // ---- scrolling, "jump to latest", read position ----------------------------------------
  const scroller = $("#scroller");
  const messages = $("#messages");
  const channelId = scroller?.dataset.channel;
  const nearBottom = () =>
    !scroller || scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
  function scrollToBottom(smooth) {
    if (scroller) scroller.scrollTo({ top: scroller.scrollHeight, behavior: smooth ? "smooth" : "auto" });
  }
  const jump = $(".jump-latest");
  scroller?.addEventListener("scroll", () => {
    if (jump) jump.hidden = nearBottom();
  });
  let lastRead = scroller?.dataset.lastRead || "";
  let readTimer = 0;
  function markRead() {
    clearTimeout(readTimer);
    readTimer = setTimeout(() => {
      if (!messages || document.visibilityState !== "visible") return;
      const ids = $$(":scope > .msg:not(.deleted)", messages).map((m) => m.id.slice(4));
      const newest = ids.sort().at(-1);
      if (!newest || newest <= lastRead) return;
      lastRead = newest;
      post(`/api/channels/${channelId}/read`, { message_id: newest });
    }, 300);
  }
  document.addEventListener("visibilitychange", markRead);
  if (messages) {
    let stick = true;
    scroller.addEventListener("scroll", () => (stick = nearBottom()), { passive: true });
    new MutationObserver((records) => {
      const added = records.some((r) =>
        [...r.addedNodes].some((n) => n.classList?.contains("msg") && n.nextElementSibling === null),
      );
      if (added && stick) scrollToBottom(false);
      if (added) markRead();
    }).observe(messages, { childList: true });
    const target = location.hash && document.getElementById(location.hash.slice(1));
    if (target) target.scrollIntoView({ block: "center" });
    else if ($(".new-divider", messages)) $(".new-divider", messages).scrollIntoView({ block: "center" });
    else scrollToBottom(false);
    markRead();
  }

  // ---- composer: Enter sends, drafts, typing, autocomplete, uploads ------------------------
  const draftKey = (form) => `draft:${form.dataset.channel}:${form.dataset.parent || ""}`;
  function autosize(t) {
    t.style.height = "auto";
    t.style.height = `${Math.min(t.scrollHeight + 2, 192)}px`;
  }
  function setupComposer(form) {
    if (!form || form.dataset.ready) return;
    form.dataset.ready = "1";
    const input = form.elements.body;
    const saved = sessionStorage.getItem(draftKey(form));
    if (saved && !input.value) input.value = saved;
    autosize(input);
    let typingSentAt = 0;
    const typing = (state) =>
      post("/web/typing", { channel_id: form.dataset.channel, state }).catch(() => {});
    input.addEventListener("input", () => {
      autosize(input);
      sessionStorage.setItem(draftKey(form), input.value);
      const now = Date.now();
      if (input.value.trim() === "") {
        if (typingSentAt) typing("stop");
        typingSentAt = 0;
      } else if (now - typingSentAt > TYPING_EVERY_MS) {
        typingSentAt = now;
        typing("start");
      }
      autocomplete(form);
    });
    input.addEventListener("keydown", (e) => {
      if (acKeys(form, e)) return;
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        if (input.value.trim()) form.requestSubmit();
      }
    });
    form.addEventListener("submit", () => {
      form.elements.client_msg_id.value = crypto.randomUUID();
      typingSentAt = 0;
    });
    form.addEventListener("htmx:after:request", (e) => {
      const status = e.detail?.ctx?.response?.status ?? 0;
      if (status >= 200 && status < 300) {
        input.value = "";
        sessionStorage.removeItem(draftKey(form));
        autosize(input);
        closeAc(form);
      }
    });
    form.elements.file?.addEventListener("change", () => {
      for (const f of form.elements.file.files) upload(form, f);
      form.elements.file.value = "";
    });
  }

  function upload(form, file) {
    const bar = $(".upload-progress", form);
    const err = $(".composer-error", form);
    const input = form.elements.body;
    const data = new FormData();
    data.set("body_md", input.value.trim() || file.name);
    data.set("client_msg_id", crypto.randomUUID());
    if (form.dataset.parent) data.set("parent_id", form.dataset.parent);
    data.set("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/channels/${form.dataset.channel}/attachments`);
    bar.hidden = false;
    bar.value = 0;
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener("loadend", () => {
      bar.hidden = true;
      if (xhr.status >= 200 && xhr.status < 300) {
        input.value = "";
        sessionStorage.removeItem(draftKey(form));
        err.textContent = "";
      } else {
        let message = `upload failed (${xhr.status})`;
        try {
          message = JSON.parse(xhr.responseText).error.message;
        } catch {}
        err.textContent = message;
      }
    });
    xhr.send(data);
  }

  const pane = $("#pane");
  pane?.addEventListener("dragover", (e) => {
    if (!$("#composer") || !e.dataTransfer?.types.includes("Files")) return;
    e.preventDefault();
    pane.classList.add("dragging");
  });
  pane?.addEventListener("dragleave", () => pane.classList.remove("dragging"));
  pane?.addEventListener("drop", (e) => {
    pane.classList.remove("dragging");
    const form = $("#composer");
    if (!form || !e.dataTransfer?.files.length) return;
    e.preventDefault();
    for (const f of e.dataTransfer.files) upload(form, f);
  });

  // autocomplete: "/" commands at the start, "@" people anywhere
  let members = null;
  async function loadMembers() {
    if (members || !community) return members ?? [];
    members = [];
    const res = await fetch(`/api/communities/${encodeURIComponent(community)}/members`, {
      credentials: "same-origin",
    });
    if (res.ok)
      members = (await res.json()).items.map((m) => ({
        value: `@${m.user.username} `,
        label: `@${m.user.username} — ${m.user.display_name}`,
      }));
    return members;
  }
  function currentWord(input) {
    const upto = input.value.slice(0, input.selectionStart);
    const m = /(^|\s)([@/][\w.-]*)$/.exec(upto);
    if (!m) return null;
    if (m[2][0] === "/" && upto.trim() !== m[2]) return null;
    return { word: m[2], start: upto.length - m[2].length };
  }
  async function autocomplete(form) {
    const list = $(".autocomplete", form);
    const input = form.elements.body;
    const w = currentWord(input);
    if (!w) return closeAc(form);
    let options = [];
    if (w.word[0] === "/") {
      options = $$("#commands option").map((o) => ({ value: o.value, label: o.textContent }));
    } else {
      options = await loadMembers();
    }
    const q = w.word.toLowerCase();
    options = options.filter((o) => o.value.toLowerCase().startsWith(q)).slice(0, 8);
    const seen = new Set();
    options = options.filter((o) => !seen.has(o.label) && seen.add(o.label));
    if (!options.length) return closeAc(form);
    list.replaceChildren(
      ...options.map((o, i) => {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.dataset.value = o.value;
        li.textContent = o.label;
        li.setAttribute("aria-selected", i === 0 ? "true" : "false");
        li.addEventListener("mousedown", (e) => {
          e.preventDefault();
          acceptAc(form, li);
        });
        return li;
      }),
    );
    list.hidden = false;
  }
  function closeAc(form) {
    const list = $(".autocomplete", form);
    if (list) list.hidden = true;
  }
  function acceptAc(form, li) {
    const input = form.elements.body;
    const w = currentWord(input);
    if (!w) return closeAc(form);
    input.value = input.value.slice(0, w.start) + li.dataset.value + input.value.slice(input.selectionStart);
    const at = w.start + li.dataset.value.length;
    input.setSelectionRange(at, at);
    closeAc(form);
    input.focus();
  }
  function acKeys(form, e) {
    const list = $(".autocomplete", form);
    if (!list || list.hidden) return false;
    const items = $$("li", list);
    const i = items.findIndex((li) => li.getAttribute("aria-selected") === "true");
    const select = (j) => {
      for (const [k, li] of items.entries()) li.setAttribute("aria-selected", k === j ? "true" : "false");
    };
    if (e.key === "ArrowDown") select((i + 1) % items.length);
    else if (e.key === "ArrowUp") select((i - 1 + items.length) % items.length);
    else if (e.key === "Enter" || e.key === "Tab") acceptAc(form, items[Math.max(0, i)]);
    else if (e.key === "Escape") closeAc(form);
    else return false;
    e.preventDefault();
    return true;
  }

  // ---- panels and keys ---------------------------------------------------------------------
  function closePanel() {
    const side = $("#side");
    if (side?.firstElementChild) {
      side.replaceChildren();
      $("#composer-input")?.focus();
      return true;
    }
    return false;
  }
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      if (closePicker()) return;
      if (body.classList.contains("nav-open")) return body.classList.remove("nav-open");
      closePanel();
    } else if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      const links = $$("#sidebar a.chan");
      if (!links.length) return;
      const i = links.findIndex((a) => a.classList.contains("current"));
      const next = links[(i + (e.key === "ArrowUp" ? -1 : 1) + links.length) % links.length];
      e.preventDefault();
      location.href = next.href;
    }
  });
  document.addEventListener("change", (e) => {
    if (e.target.matches(".community-switch") && e.target.value)
      location.href = `/c/${encodeURIComponent(e.target.value)}`;
  });

  // content htmx brings in: local times, composers, focus into a thread that just opened
  document.addEventListener("htmx:after:swap", () => {
    localTimes(document);
    const opened = $("#thread-composer:not([data-ready])");
    if (!opened) return;
    setupComposer(opened);
    $("#thread-input")?.focus();
  });
  new MutationObserver(() => localTimes(document)).observe(document.body, { childList: true, subtree: true });

  localTimes(document);
  setupComposer($("#composer"));
  setupComposer($("#thread-composer"));

  // presence: I am here, once a minute
  const beat = () => post("/api/heartbeat", {}).catch(() => {});
  if (me) {
    beat();
    setInterval(beat, 60_000);
  }
})();
