// Tide web UI: live updates from /api/v2/events, actions through the REST API, the log viewer.
// Pages are complete without this script; it adds live refresh and the buttons' behaviour.
"use strict";
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

  // ---- REST API calls ------------------------------------------------------------------------
  async function api(method, url, body) {
    const headers = { Accept: "application/json" };
    if (csrf) headers["X-CSRF-Token"] = csrf;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, {
      method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
    if (!response.ok) {
      const detail = typeof data?.detail === "string" ? data.detail : JSON.stringify(data?.detail ?? data);
      throw new Error(`${response.status}: ${detail}`);
    }
    return data;
  }

  function toast(message, isError = false) {
    const box = $("#toast");
    if (!box) return;
    box.textContent = message;
    box.className = "toast" + (isError ? " error" : "");
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, isError ? 12000 : 6000);
  }

  // A confirmation dialog: resolves true on Confirm. `build` fills the body (may re-run on option changes).
  function confirmDialog(title, build, okLabel = "Confirm") {
    const dialog = $("#confirm");
    $("#confirm-title").textContent = title;
    $("#confirm-ok").textContent = okLabel;
    const body = $("#confirm-body");
    body.replaceChildren();
    build(body);
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  function list(items, empty) {
    if (!items.length) { const p = document.createElement("p"); p.textContent = empty; return p; }
    const ul = document.createElement("ul");
    for (const item of items.slice(0, 200)) { const li = document.createElement("li"); li.textContent = item; ul.append(li); }
    if (items.length > 200) { const li = document.createElement("li"); li.textContent = `… and ${items.length - 200} more`; ul.append(li); }
    return ul;
  }

  function option(name, label, checked = false) {
    const wrap = document.createElement("label");
    wrap.className = "check";
    const box = document.createElement("input");
    box.type = "checkbox"; box.name = name; box.checked = checked;
    wrap.append(box, " " + label);
    return wrap;
  }

  const tiName = (ti) =>
    `${ti.task_id}${ti.map_index >= 0 ? `[${ti.map_index}]` : ""} (${ti.dag_run_id ?? ti.run_id ?? ""}) ${ti.state ?? "no status"}`;

  // ---- Actions -------------------------------------------------------------------------------
  const actions = {
    async pause(button) {
      const paused = button.dataset.paused === "true";
      const verb = paused ? "Unpause" : "Pause";
      const ok = await confirmDialog(`${verb} ${button.dataset.dag}?`, (body) => {
        body.append(paused ? "The scheduler will create its scheduled runs again." : "No new runs will be created; running runs continue.");
      }, verb);
      if (!ok) return;
      await api("PATCH", button.dataset.url + "?update_mask=is_paused", { is_paused: !paused });
      toast(`${button.dataset.dag} ${paused ? "unpaused" : "paused"}.`);
    },
    async "clear-run"(button) {
      const preview = await api("POST", button.dataset.url, { dry_run: true, only_failed: false });
      const tis = preview?.task_instances ?? [];
      let onlyFailed;
      const ok = await confirmDialog(`Clear run ${button.dataset.run}?`, (body) => {
        const p = document.createElement("p");
        p.textContent = `These ${tis.length} task instances will be cleared and run again:`;
        onlyFailed = option("only_failed", "only the failed ones");
        body.append(p, list(tis.map(tiName), "Nothing to clear."), onlyFailed);
      }, "Clear");
      if (!ok) return;
      await api("POST", button.dataset.url, { dry_run: false, only_failed: $("input", onlyFailed).checked });
      toast("Run cleared: its tasks will run again.");
    },
    async "mark-run"(button) {
      const state = button.dataset.state;
      const ok = await confirmDialog(`Mark the run ${state}?`, (body) => {
        body.append(`Unfinished task instances are marked ${state} as well.`);
      }, `Mark ${state}`);
      if (!ok) return;
      await api("PATCH", button.dataset.url, { state });
      toast(`Run marked ${state}.`);
    },
    async "clear-task"(button) {
      const request = (dry, options) => api("POST", button.dataset.url, {
        dag_run_id: button.dataset.run, dry_run: dry, only_failed: false,
        // A mapped instance is cleared alone (its downstream tasks whole), as Airflow's [task_id, map_index].
        task_ids: [button.dataset.mapIndex === undefined ? button.dataset.task
                   : [button.dataset.task, Number(button.dataset.mapIndex)]],
        include_downstream: options.downstream, include_upstream: options.upstream, reset_dag_runs: true,
      });
      const options = { downstream: true, upstream: false };
      const ok = await confirmDialog(`Clear ${button.dataset.task}?`, (body) => {
        const holder = document.createElement("div");
        const refresh = async () => {
          try {
            const preview = await request(true, options);
            const tis = preview?.task_instances ?? [];
            const p = document.createElement("p");
            p.textContent = `These ${tis.length} task instances will be cleared and run again:`;
            holder.replaceChildren(p, list(tis.map(tiName), "Nothing to clear."));
          } catch (error) { holder.textContent = String(error.message); }
        };
        const down = option("downstream", "with downstream tasks", true);
        const up = option("upstream", "with upstream tasks", false);
        $("input", down).addEventListener("change", (e) => { options.downstream = e.target.checked; refresh(); });
        $("input", up).addEventListener("change", (e) => { options.upstream = e.target.checked; refresh(); });
        body.append(down, up, holder);
        refresh();
      }, "Clear");
      if (!ok) return;
      const done = await request(false, options);
      toast(`Cleared ${(done?.task_instances ?? []).length} task instances: they will run again.`);
    },
    async "mark-task"(button) {
      const state = button.dataset.state;
      const options = { downstream: false, upstream: false };
      const body = () => ({ new_state: state, include_downstream: options.downstream, include_upstream: options.upstream });
      const ok = await confirmDialog(`Mark ${state}?`, (root) => {
        const holder = document.createElement("div");
        const refresh = async () => {
          try {
            const preview = await api("PATCH", button.dataset.url + "/dry_run", body());
            const tis = preview?.task_instances ?? [];
            const p = document.createElement("p");
            p.textContent = `These ${tis.length} task instances will be marked ${state}:`;
            holder.replaceChildren(p, list(tis.map(tiName), "Nothing to change."));
          } catch (error) { holder.textContent = String(error.message); }
        };
        const down = option("downstream", "with downstream tasks");
        const up = option("upstream", "with upstream tasks");
        $("input", down).addEventListener("change", (e) => { options.downstream = e.target.checked; refresh(); });
        $("input", up).addEventListener("change", (e) => { options.upstream = e.target.checked; refresh(); });
        root.append(down, up, holder);
        refresh();
      }, `Mark ${state}`);
      if (!ok) return;
      await api("PATCH", button.dataset.url, body());
      toast(`Marked ${state}.`);
    },
    async "pool-slots"(button) {
      let input;
      const ok = await confirmDialog(`Slots of pool ${button.dataset.pool}`, (body) => {
        const label = document.createElement("label");
        input = document.createElement("input");
        input.type = "number"; input.min = "0"; input.value = button.dataset.slots;
        label.append("Slots", input);
        body.append(label);
      }, "Save");
      if (!ok) return;
      const slots = Number.parseInt(input.value, 10);
      if (!Number.isInteger(slots) || slots < 0) throw new Error("Slots must be a whole number, 0 or more.");
      await api("PATCH", button.dataset.url + "?update_mask=slots", { slots });
      toast(`Pool ${button.dataset.pool} has ${slots} slots.`);
    },
    async "pool-delete"(button) {
      const ok = await confirmDialog(`Delete pool ${button.dataset.pool}?`, (body) => {
        body.append("Tasks that name it will wait until it exists again.");
      }, "Delete");
      if (!ok) return;
      await api("DELETE", button.dataset.url);
      toast(`Pool ${button.dataset.pool} deleted.`);
    },
  };

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-action]");
    if (!button || !actions[button.dataset.action]) return;
    event.preventDefault();
    button.disabled = true;
    try {
      await actions[button.dataset.action](button);
      refreshSoon(100);
    } catch (error) {
      toast(String(error.message ?? error), true);
    } finally {
      button.disabled = false;
    }
  });

  document.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-open]");
    if (!opener) return;
    document.getElementById(opener.dataset.open)?.showModal();
  });

  document.addEventListener("change", (event) => {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
  });

  // ---- Trigger form: the conf must be a JSON object before it is sent --------------------------
  const triggerForm = $("#trigger-form");
  if (triggerForm) {
    const conf = $("#trigger-conf");
    const error = $("#conf-error");
    const submit = $("#trigger-submit");
    const check = () => {
      let message = "";
      try {
        const value = JSON.parse(conf.value || "{}");
        if (value === null || typeof value !== "object" || Array.isArray(value)) message = "Conf must be a JSON object, like {\"key\": \"value\"}.";
      } catch (e) { message = "Conf is not valid JSON: " + e.message; }
      error.textContent = message;
      error.hidden = !message;
      conf.setAttribute("aria-invalid", message ? "true" : "false");
      submit.disabled = !!message;
      return !message;
    };
    conf.addEventListener("input", check);
    triggerForm.addEventListener("submit", async (event) => {
      if (event.submitter?.value === "cancel") return;
      event.preventDefault();
      if (!check()) return;
      const data = new FormData(triggerForm);
      const body = { conf: JSON.parse(conf.value || "{}"), logical_date: null };
      if (data.get("dag_run_id")) body.dag_run_id = data.get("dag_run_id");
      if (data.get("logical_date")) body.logical_date = new Date(data.get("logical_date") + "Z").toISOString();
      if (data.get("note")) body.note = data.get("note");
      submit.disabled = true;
      try {
        const run = await api("POST", triggerForm.dataset.url, body);
        triggerForm.closest("dialog").close();
        toast(`Triggered ${run.dag_run_id}.`);
        refreshSoon(100);
      } catch (e) {
        error.textContent = e.message; error.hidden = false;
      } finally { submit.disabled = false; }
    });
  }

  // ---- Pools form ------------------------------------------------------------------------------
  const poolForm = $("#pool-form");
  poolForm?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(poolForm);
    try {
      await api("POST", poolForm.dataset.url, {
        name: data.get("name"), slots: Number.parseInt(data.get("slots"), 10), description: data.get("description") || null,
      });
      toast(`Pool ${data.get("name")} added.`);
      poolForm.reset();
      refreshSoon(50);
    } catch (e) { toast(e.message, true); }
  });

  // ---- Browse: selection and bulk actions ------------------------------------------------------
  const bulk = $("#bulk");
  const selected = () => $$("input[data-select]:checked");
  const updateBulk = () => {
    if (!bulk) return;
    const count = selected().length;
    $("#bulk-count").textContent = `${count} selected`;
    $$("button[data-bulk]", bulk).forEach((b) => { b.disabled = count === 0; });
  };
  document.addEventListener("change", (event) => {
    if (event.target.matches("input[data-select-all]")) {
      $$("input[data-select]").forEach((box) => { box.checked = event.target.checked; });
    }
    if (event.target.matches("input[data-select], input[data-select-all]")) updateBulk();
  });
  bulk?.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-bulk]");
    if (!button) return;
    const boxes = selected();
    const what = button.dataset.bulk;
    const runs = bulk.dataset.kind === "runs";
    const names = boxes.map((box) => runs ? box.closest("tr").dataset.run : `${box.dataset.dag} · ${box.dataset.run} · ${box.dataset.task}`);
    const verb = what === "clear" ? "Clear" : `Mark ${what}`;
    const ok = await confirmDialog(`${verb} ${boxes.length} ${runs ? "runs" : "task instances"}?`, (body) => body.append(list(names, "")), verb);
    if (!ok) return;
    let done = 0; const failures = [];
    for (const box of boxes) {
      try {
        if (runs) {
          if (what === "clear") await api("POST", box.dataset.api + "/clear", { dry_run: false });
          else await api("PATCH", box.dataset.api, { state: what });
        } else {
          const dag = encodeURIComponent(box.dataset.dag);
          if (what === "clear") {
            await api("POST", `/api/v2/dags/${dag}/clearTaskInstances`, { dag_run_id: box.dataset.run, task_ids: [box.dataset.task], dry_run: false });
          } else {
            await api("PATCH", `/api/v2/dags/${dag}/dagRuns/${encodeURIComponent(box.dataset.run)}/taskInstances/${encodeURIComponent(box.dataset.task)}`, { new_state: what });
          }
        }
        done += 1;
      } catch (e) { failures.push(e.message); }
    }
    toast(`${verb}: ${done} done` + (failures.length ? `, ${failures.length} refused (${failures[0]})` : "."), failures.length > 0);
    refreshSoon(100);
  });

  // ---- Live updates: refresh the page's [data-live] parts when an event arrives ----------------
  const status = $("#live-status");
  let refreshTimer = null;
  let refreshing = false;
  function refreshSoon(delay = 400) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, delay);
  }
  async function refresh() {
    if (refreshing) { refreshSoon(300); return; }
    if (document.querySelector("dialog[open]")) { refreshSoon(1000); return; }
    refreshing = true;
    try {
      const response = await fetch(location.href, { credentials: "same-origin", headers: { "X-Tide-Refresh": "1" } });
      if (response.redirected && new URL(response.url).pathname === "/login") { location.reload(); return; }
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      // A selection made in Browse survives the refresh.
      const selectionKey = (box) => box.dataset.api ?? `${box.dataset.dag}|${box.dataset.run}|${box.dataset.task}`;
      const checked = new Set($$("input[data-select]:checked").map(selectionKey));
      for (const fresh of page.querySelectorAll("[data-live][id]")) {
        const current = document.getElementById(fresh.id);
        if (current && current.innerHTML !== fresh.innerHTML) {
          const focused = document.activeElement?.closest("[data-live]") === current ? document.activeElement : null;
          const key = focused?.getAttribute("href") ?? focused?.dataset?.action;
          const scroll = current.querySelector(".grid-wrap, .gantt-wrap")?.scrollLeft;
          current.innerHTML = fresh.innerHTML;
          if (scroll !== undefined) { const wrap = current.querySelector(".grid-wrap, .gantt-wrap"); if (wrap) wrap.scrollLeft = scroll; }
          if (key) (current.querySelector(`[href="${CSS.escape(key)}"]`) ?? current.querySelector(`[data-action="${CSS.escape(key)}"]`))?.focus();
        }
      }
      const freshLog = page.getElementById("log-section");
      const shownLog = document.getElementById("log-section");
      if (freshLog && shownLog && freshLog.dataset.try !== shownLog.dataset.try && !new URL(location.href).searchParams.has("try")) {
        // A new try started: fetch the page in full (a refresh leaves the log out) and show its log.
        const full = await fetch(location.href, { credentials: "same-origin" });
        const newLog = full.ok ? new DOMParser().parseFromString(await full.text(), "text/html").getElementById("log-section") : null;
        if (newLog) {
          logStop();
          shownLog.replaceWith(document.importNode(newLog, true));
          initLog();
        }
      }
      $$("input[data-select]").forEach((box) => { if (checked.has(selectionKey(box))) box.checked = true; });
      updateBulk();
      document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed ?? 0) + 1);
    } catch { /* the next event retries */ } finally { refreshing = false; }
  }

  function setStatus(text, ok) {
    if (!status) return;
    status.hidden = false;
    status.textContent = text;
    status.className = "live-status" + (ok ? " ok" : "");
    status.dataset.state = ok ? "live" : "reconnecting";
  }

  const filter = document.body.dataset.events;
  if (filter !== undefined && "EventSource" in window) {
    let source = null;
    let retry = 1000;
    let lastId = null;
    let subscribed = false;
    const connect = () => {
      const query = [filter, lastId ? "last_event_id=" + lastId : ""].filter(Boolean).join("&");
      source = new EventSource("/api/v2/events" + (query ? "?" + query : ""));
      source.addEventListener("open", () => { retry = 1000; setStatus("● live", true); });
      const onEvent = (event) => { if (event.lastEventId) lastId = event.lastEventId; refreshSoon(); };
      ["dag_run", "task_instance", "reset"].forEach((name) => source.addEventListener(name, onEvent));
      source.addEventListener("hello", (event) => {
        if (event.lastEventId) lastId = event.lastEventId;
        // The page was rendered before this first subscription began: a change in between sends no
        // event it will see (a sensor's first check, under load), so the first hello refreshes once.
        if (!subscribed) { subscribed = true; refreshSoon(0); }
      });
      source.addEventListener("error", () => {
        setStatus("Live updates lost: reconnecting…", false);
        if (source.readyState === EventSource.CLOSED) {
          // The browser gave up (e.g. the server answered an error): try again with back-off.
          setTimeout(connect, retry);
          retry = Math.min(retry * 2, 30000);
        }
      });
    };
    connect();
    // Queue depths and worker heartbeats change without state events: refresh those pages now and then.
    if (location.pathname === "/" || location.pathname === "/cluster") setInterval(() => refreshSoon(0), 5000);
  }

  // ---- Grid keyboard navigation: arrow keys move between cells ---------------------------------
  document.addEventListener("keydown", (event) => {
    const cell = event.target.closest?.("table.grid a.cell");
    if (!cell || !["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"].includes(event.key)) return;
    const td = cell.parentElement;
    const tr = td.parentElement;
    const column = Array.prototype.indexOf.call(tr.children, td);
    let target = null;
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      let sibling = event.key === "ArrowLeft" ? td.previousElementSibling : td.nextElementSibling;
      while (sibling && !sibling.querySelector("a.cell")) sibling = event.key === "ArrowLeft" ? sibling.previousElementSibling : sibling.nextElementSibling;
      target = sibling?.querySelector("a.cell");
    } else {
      let row = event.key === "ArrowUp" ? tr.previousElementSibling : tr.nextElementSibling;
      while (row && !row.children[column]?.querySelector("a.cell")) row = event.key === "ArrowUp" ? row.previousElementSibling : row.nextElementSibling;
      target = row?.children[column]?.querySelector("a.cell");
    }
    if (target) { event.preventDefault(); target.focus(); }
  });

  // ---- Log viewer: opens at the tail, loads earlier parts, follows a running try, searches -----
  function initLog() {
  const log = $("#log");
  if (log) {
    let text = log.textContent;
    let start = Number(log.dataset.start);
    let end = Number(log.dataset.end);
    const follow = $("#log-follow");
    const atBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    log.scrollTop = log.scrollHeight;

    const search = $("#log-search");
    const matches = $("#log-matches");
    let hits = [];
    let current = -1;
    const render = () => {
      const query = search?.value ?? "";
      if (!query) { log.textContent = text; matches.textContent = ""; hits = []; return; }
      const lower = text.toLowerCase(); const needle = query.toLowerCase();
      const fragment = document.createDocumentFragment();
      let position = 0; hits = [];
      for (let index = lower.indexOf(needle); index !== -1 && hits.length < 10000; index = lower.indexOf(needle, index + needle.length)) {
        fragment.append(text.slice(position, index));
        const mark = document.createElement("mark");
        mark.textContent = text.slice(index, index + needle.length);
        fragment.append(mark); hits.push(mark);
        position = index + needle.length;
      }
      fragment.append(text.slice(position));
      log.replaceChildren(fragment);
      matches.textContent = `${hits.length} match${hits.length === 1 ? "" : "es"}` + (start > 0 ? " in the loaded part" : "");
      current = -1;
    };
    const next = (step) => {
      if (!hits.length) return;
      hits[current]?.classList.remove("current");
      current = (current + step + hits.length) % hits.length;
      hits[current].classList.add("current");
      hits[current].scrollIntoView({ block: "center" });
      matches.textContent = `${current + 1} of ${hits.length}`;
    };
    let searchTimer = null;
    search?.addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(render, 150); });
    search?.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); next(event.shiftKey ? -1 : 1); } });

    const earlier = $("#log-earlier");
    earlier?.addEventListener("click", async (event) => {
      event.preventDefault();
      const from = Math.max(0, start - 65536);
      const response = await fetch(`${log.dataset.url}&from=${from}&to=${start}`, { credentials: "same-origin" });
      if (!response.ok) { toast("Cannot load earlier lines: " + response.status, true); return; }
      let part = await response.text();
      let partStart = from;
      if (from > 0) { const cut = part.indexOf("\n"); if (cut >= 0) { partStart = from + cut + 1; part = part.slice(cut + 1); } }
      const keep = log.scrollHeight - log.scrollTop;
      text = part + text; start = partStart;
      render();
      log.scrollTop = log.scrollHeight - keep;
      if (start === 0) earlier.parentElement.remove();
    });

    let stream = null;
    const startFollowing = () => {
      if (stream || log.dataset.running !== "true") return;
      stream = new EventSource(`${log.dataset.stream}?last_event_id=${end}`);
      stream.addEventListener("log", (event) => {
        const stick = atBottom();
        text += event.data + "\n";
        end = Number(event.lastEventId) || end;
        $("#log-empty")?.remove();
        if (search?.value) render(); else log.append(event.data + "\n");
        if (stick && follow?.checked) log.scrollTop = log.scrollHeight;
      });
      stream.addEventListener("end", () => { stream.close(); stream = null; log.dataset.running = "false"; refreshSoon(0); });
      stream.addEventListener("error", () => { if (stream?.readyState === EventSource.CLOSED) { stream = null; setTimeout(startFollowing, 2000); } });
    };
    follow?.addEventListener("change", () => { if (follow.checked) { startFollowing(); log.scrollTop = log.scrollHeight; } });
    startFollowing();
    logStop = () => { stream?.close(); stream = null; };
  }
  }
  let logStop = () => {};
  initLog();
})();
