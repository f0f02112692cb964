// Inspector page: any code form → the chain as a timeline, with every step's proof checked
// here in the browser against the core's signed checkpoint (verify.js), a cold-chain chart
// and the warnings the core found.
import { outside, temperatureChart, temperatureReadings } from "./chart.js";
import {
  bizStepText,
  currentLang,
  dispositionText,
  eventTypeText,
  formatTime,
  initI18n,
  onLangChange,
  t,
} from "./i18n.js";
import { api, clear, h, nameOf, qs, shortId } from "./ui.js";
import { b64decode, verifyCheckpointNote, verifyStep } from "./verify.js";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "suyuan.token";
const token = () => $("token").value.trim() || undefined;

/** The last answer and what the browser found about it; re-rendered on a language change. */
let state = { answer: undefined, checkpoint: undefined, results: [], error: undefined, loading: false };
let keyPromise;

function coreKey() {
  keyPromise ??= api("/api/v1/checkpoint/key").catch((e) => {
    keyPromise = undefined;
    throw e;
  });
  return keyPromise;
}

async function lookup(code) {
  const trimmed = code.trim();
  if (trimmed === "") return;
  const url = new URL(location.href);
  url.searchParams.set("code", trimmed);
  history.replaceState(null, "", url);
  state = { answer: undefined, checkpoint: undefined, results: [], error: undefined, loading: true };
  render();
  // Ask for the checkpoint key alongside the chain, not after it: one round trip less before
  // the badges turn green. verifyAll awaits the same promise (or asks again if this failed).
  coreKey().catch(() => {});
  let answer;
  try {
    answer = await api(`/api/v1/chain?${qs({ code: trimmed, proofs: 1 })}`, { token: token() });
  } catch (e) {
    state = { ...state, loading: false, error: e };
    render();
    return;
  }
  state = { ...state, loading: false, answer, results: answer.steps.map(() => ({ status: "checking" })) };
  render();
  await verifyAll(answer);
}

/** Checkpoint signature first: without it no step can be trusted, whatever its path says. */
async function verifyAll(answer) {
  let checkpoint;
  try {
    const key = await coreKey();
    try {
      checkpoint = await verifyCheckpointNote(answer.checkpoint.note, key.verifierKey);
      if (key.origin !== undefined && checkpoint.origin !== key.origin) throw new Error("origin");
      if (checkpoint.size !== answer.checkpoint.size) throw new Error("size");
      if (answer.checkpoint.rootHash !== undefined) {
        const claimed = b64decode(answer.checkpoint.rootHash);
        if (claimed.some((b, i) => b !== checkpoint.rootHash[i])) throw new Error("root");
      }
      state.checkpoint = { ok: true, size: checkpoint.size };
    } catch (e) {
      state.checkpoint = { ok: false, reason: "checkpoint", detail: e.message };
    }
  } catch {
    state.checkpoint = { ok: false, reason: "key" };
  }
  if (!state.checkpoint.ok) {
    state.results = answer.steps.map(() => ({ status: "failed", reason: state.checkpoint.reason }));
    render();
    return;
  }
  state.results = await Promise.all(
    answer.steps.map(async (step) => {
      const r = await verifyStep(step, checkpoint);
      return r.ok
        ? { status: "ok", record: r.record }
        : { status: "failed", reason: r.reason, record: r.reason === "inclusion" ? undefined : r.record };
    }),
  );
  if (state.answer === answer) render();
}

function render() {
  const out = clear($("result"));
  document.body.dataset.state = state.loading ? "loading" : state.error ? "error" : state.answer ? "ready" : "idle";
  if (state.loading) {
    out.append(h("p", { class: "muted" }, t("insp.loading")));
    return;
  }
  if (state.error !== undefined) {
    const needToken = state.error.status === 401 || state.error.code === "AUTH_MISSING_TOKEN";
    if (needToken) $("token-box").open = true;
    out.append(
      h(
        "div",
        { class: "banner error", role: "alert" },
        h("strong", {}, `${t("err.title")}: `),
        needToken ? t("insp.needtoken") : state.error.message,
        state.error.code ? h("code", {}, ` ${state.error.code}`) : null,
      ),
    );
    return;
  }
  const a = state.answer;
  if (a === undefined) return;
  out.append(warningsBanner(a.warnings ?? []), summary(a), checkpointLine(a));
  const chart = chartSection(a);
  if (chart !== null) out.append(chart);
  out.append(h("h2", {}, t("insp.timeline")));
  if (a.steps.length === 0) out.append(h("p", { class: "muted" }, t("insp.empty")));
  out.append(
    h(
      "ol",
      { class: "timeline", id: "timeline" },
      a.steps.map((step, i) => stepItem(step, state.results[i])),
    ),
  );
}

function warningsBanner(warnings) {
  if (warnings.length === 0) return null;
  return h(
    "div",
    { class: "banner warn", role: "alert", id: "warnings" },
    h("strong", {}, t("warn.title")),
    h(
      "ul",
      {},
      warnings.map((w) =>
        h(
          "li",
          { class: `warning w-${w.kind}`, "data-kind": w.kind },
          t(`warn.${w.kind}`),
          warningDetail(w) ? h("span", { class: "muted" }, ` — ${warningDetail(w)}`) : null,
        ),
      ),
    ),
  );
}

function warningDetail(w) {
  const parts = [];
  if (typeof w.detail === "string") parts.push(w.detail);
  else if (typeof w.message === "string") parts.push(w.message);
  if (typeof w.recallId === "string") parts.push(w.recallId);
  if (typeof w.reason === "string") parts.push(w.reason);
  if (typeof w.count === "number") parts.push(`×${w.count}`);
  if (typeof w.expiry === "string") parts.push(w.expiry);
  if (w.kind === "temperature-excursion") {
    if (typeof w.min === "number" || typeof w.max === "number") parts.push(`${w.min ?? "?"}–${w.max ?? "?"} °C`);
    if (typeof w.eventTime === "string") parts.push(formatTime(w.eventTime));
  }
  return parts.join(" · ");
}

function summary(a) {
  const dl = h("dl", { class: "facts" });
  const add = (k, v, title) => {
    if (v === undefined || v === "") return;
    dl.append(h("dt", {}, t(k)), h("dd", { title }, v));
  };
  add("insp.product", a.product?.name);
  add("insp.canonical", shortId(a.canonical), a.canonical);
  add("insp.kind", t(`kind.${a.kind}`));
  add("insp.lot", a.lot ? shortId(a.lot) : undefined, a.lot);
  add("insp.steps", String(a.steps.length));
  return dl;
}

function checkpointLine(a) {
  const cp = state.checkpoint;
  const ok = state.results.filter((r) => r.status === "ok").length;
  const p = h("p", { class: "checkpoint", id: "checkpoint" });
  if (cp === undefined) {
    p.append(h("span", { class: "badge pending" }, t("badge.checking")));
  } else if (cp.ok) {
    p.append(h("span", { class: "badge ok", "data-verify": "ok" }, t("insp.checkpoint.ok", { size: cp.size })));
  } else {
    p.append(
      h(
        "span",
        { class: "badge bad", "data-verify": "failed", title: cp.detail },
        t("insp.checkpoint.bad", { reason: t(`fail.${cp.reason}`) }),
      ),
    );
  }
  if (cp !== undefined) {
    p.append(
      " ",
      h("span", { id: "proof-summary" }, t("insp.proofs.summary", { ok, n: a.steps.length })),
      h("span", { class: "muted" }, ` · ${a.checkpoint.origin}`),
    );
  }
  return p;
}

/** The allowed range: product master data, or what the excursion warning names. */
function allowedRange(a) {
  const st = a.product?.storageTemperature ?? a.storageTemperature;
  const w = (a.warnings ?? []).find((x) => x.kind === "temperature-excursion");
  // The warning's own min/max are the readings seen; `allowed` is the range.
  const src = st ?? w?.allowed;
  if (src === undefined) return undefined;
  const min = src.minCelsius ?? src.min;
  const max = src.maxCelsius ?? src.max;
  if (typeof min !== "number" && typeof max !== "number") return undefined;
  return { min: typeof min === "number" ? min : undefined, max: typeof max === "number" ? max : undefined };
}

function chartSection(a) {
  // The product's own cold chain: inputs before a transformation had ranges of their own.
  const own = a.steps.map((st, i) => ({ st, rec: state.results[i]?.record })).filter((x) => !isInput(x.st));
  const readings = temperatureReadings(
    own.map((x) => x.st),
    own.map((x) => x.rec),
  );
  if (readings.length === 0) return null;
  const range = allowedRange(a);
  const { svg, excursions } = temperatureChart(readings, range);
  const legend = [];
  if (range !== undefined) legend.push(t("chart.range", { min: range.min ?? "−∞", max: range.max ?? "∞" }));
  if (excursions > 0) legend.push(t("chart.excursions", { n: excursions }));
  return h(
    "section",
    { class: "card", id: "temperature" },
    h("h2", {}, t("chart.title")),
    svg,
    h("p", { class: excursions > 0 ? "legend bad-text" : "legend" }, legend.join(" · ")),
  );
}

// UN/CEFACT Rec. 20 temperature units, as people write them.
const UOM = { CEL: "°C", FAH: "°F", KEL: "K" };

const isInput = (step) => String(step.via ?? "").startsWith("input:");

function viaText(via) {
  if (typeof via !== "string" || via === "self" || via === "") return null;
  const cut = via.indexOf(":");
  const kind = via.slice(0, cut);
  const id = shortId(via.slice(cut + 1));
  if (kind === "container" || kind === "lot" || kind === "input") return t(`step.via.${kind}`, { id });
  return via;
}

function provenanceOf(step, result) {
  // The proven record's provenance when the proof checked out; else what the answer claims.
  const rp = result?.status === "ok" ? result.record?.provenance : undefined;
  if (rp !== undefined) return { kind: rp.kind, gatewayId: rp.gatewayId, party: rp.party };
  const p = step.proof ?? {};
  const prov = p.provenance;
  if (typeof prov === "object" && prov !== null) return prov;
  return { kind: typeof prov === "string" ? prov : p.kind, gatewayId: p.gatewayId, party: p.party };
}

function stepItem(step, result) {
  const a = state.answer;
  const prov = provenanceOf(step, result);
  const badges = h("div", { class: "badges" });
  if (prov.kind === "gateway") {
    badges.append(h("span", { class: "badge info" }, t("badge.gateway", { id: prov.gatewayId ?? "?" })));
  } else if (prov.kind === "partner") {
    // The submitting party (from its token), not the party of the event's location.
    const who = shortId(prov.party ?? "");
    badges.append(h("span", { class: "badge info" }, t("badge.partner", { id: who || "?" })));
  } else if (prov.kind === "core") {
    badges.append(h("span", { class: "badge info" }, t("badge.core")));
  }
  const idx = step.proof?.logIndex;
  const included = step.proof?.included ?? (typeof idx === "number" && idx < a.checkpoint.size);
  badges.append(
    included
      ? h("span", { class: "badge info" }, t("badge.included", { index: idx }))
      : h("span", { class: "badge pending" }, t("badge.pending")),
  );
  if (result === undefined || result.status === "checking") {
    badges.append(h("span", { class: "badge pending proof", "data-verify": "checking" }, t("badge.checking")));
  } else if (result.status === "ok") {
    badges.append(h("span", { class: "badge ok proof", "data-verify": "ok" }, `✔ ${t("badge.verified")}`));
  } else {
    badges.append(
      h(
        "span",
        { class: "badge bad proof", "data-verify": "failed", "data-reason": result.reason },
        `✘ ${t("badge.failed", { reason: t(`fail.${result.reason}`) })}`,
      ),
    );
  }

  const what = step.bizStep ? bizStepText(step.bizStep) : eventTypeText(step.eventType);
  const disp = step.disposition ? dispositionText(step.disposition) : "";
  const locName = nameOf(step.location) || shortId(step.bizLocation ?? step.readPoint ?? "");
  const partyName = nameOf(step.party);
  const via = viaText(step.via);
  const temps = sensorsOf(step).filter((x) => /Temperature$/.test(x.type ?? ""));
  const range = isInput(step) ? undefined : allowedRange(a);
  const li = h(
    "li",
    {
      class: ["step", step.declaredErroneous ? "erroneous" : "", isInput(step) ? "via-input" : ""],
      "data-event-id": step.eventId,
      "data-log-index": idx,
    },
    h("div", { class: "when" }, h("time", { datetime: step.eventTime }, formatTime(step.eventTime))),
    h(
      "div",
      { class: "body" },
      h(
        "div",
        { class: "what" },
        h("strong", {}, what),
        disp ? h("span", { class: "disp" }, ` · ${disp}`) : null,
        h("span", { class: "muted" }, ` (${eventTypeText(step.eventType)}${step.action ? ` ${step.action}` : ""})`),
      ),
      locName || partyName
        ? h(
            "div",
            { class: "where" },
            locName ? h("span", { title: step.location?.id ?? step.bizLocation }, `${t("step.at")}: ${locName}`) : null,
            partyName ? h("span", { title: step.party?.id }, `  ${t("step.by")}: ${partyName}`) : null,
          )
        : null,
      via ? h("div", { class: "via" }, via) : null,
      endpoints(step),
      temps.map((x) =>
        h(
          "div",
          {
            class:
              outside(x.min, range) || outside(x.max, range) || (x.exceptions ?? []).length > 0
                ? "temp bad-text"
                : "temp",
          },
          t("step.temp", {
            min: x.min ?? "?",
            max: x.max ?? "?",
            uom: UOM[x.uom ?? "CEL"] ?? x.uom,
            count: x.count ?? "",
          }),
        ),
      ),
      step.declaredErroneous
        ? h(
            "div",
            { class: "bad-text" },
            t("step.erroneous"),
            step.declaredErroneous.reason ? ` (${step.declaredErroneous.reason})` : "",
          )
        : null,
      step.corrects ? h("div", { class: "muted" }, t("step.corrects")) : null,
      badges,
    ),
  );
  return li;
}

function sensorsOf(step) {
  const v = step.sensors ?? step.sensor ?? [];
  return Array.isArray(v) ? v : [v];
}

function endpoints(step) {
  const src = (step.source ?? []).map((x) => shortId(x.id));
  const dst = (step.destination ?? []).map((x) => shortId(x.id));
  if (src.length === 0 && dst.length === 0) return null;
  return h(
    "div",
    { class: "muted" },
    src.length ? `${t("step.from")}: ${src.join(", ")}  ` : "",
    dst.length ? `${t("step.to")}: ${dst.join(", ")}` : "",
  );
}

// Camera scanning where the browser has a barcode detector (Shape Detection API); the button
// stays hidden elsewhere rather than offering something that cannot work.
async function startScan() {
  const video = $("camera");
  const btn = $("scan");
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  } catch {
    $("scan-status").textContent = t("insp.scan.unavailable");
    return;
  }
  const detector = new window.BarcodeDetector();
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  btn.dataset.i18n = "insp.scan.stop";
  btn.textContent = t("insp.scan.stop");
  let running = true;
  const stop = () => {
    running = false;
    for (const tr of stream.getTracks()) tr.stop();
    video.hidden = true;
    btn.dataset.i18n = "insp.scan";
    btn.textContent = t("insp.scan");
    btn.onclick = startScan;
  };
  btn.onclick = stop;
  while (running) {
    try {
      const codes = await detector.detect(video);
      if (codes.length > 0 && running) {
        stop();
        $("code").value = codes[0].rawValue;
        await lookup(codes[0].rawValue);
        return;
      }
    } catch {
      // A frame the detector could not read; try the next one.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function main() {
  initI18n();
  // sessionStorage: the token lasts for this tab only (shared with the recall page's).
  $("token").value = sessionStorage.getItem(TOKEN_KEY) ?? "";
  $("token").addEventListener("change", () => {
    if (token()) sessionStorage.setItem(TOKEN_KEY, token());
    else sessionStorage.removeItem(TOKEN_KEY);
  });
  onLangChange(() => render());
  $("search").addEventListener("submit", (e) => {
    e.preventDefault();
    lookup($("code").value);
  });
  if ("BarcodeDetector" in window && navigator.mediaDevices?.getUserMedia) {
    $("scan").hidden = false;
    $("scan").onclick = startScan;
  }
  const code = new URL(location.href).searchParams.get("code");
  document.body.dataset.lang = currentLang();
  onLangChange((l) => {
    document.body.dataset.lang = l;
  });
  if (code) {
    $("code").value = code;
    lookup(code);
  } else {
    render();
  }
}

main();
