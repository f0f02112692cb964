// Recall officer page: lots → the forward closure (graph and holders table) → issue a recall
// → follow notifications and acknowledgements; the holders table exports as CSV.
import { recallGraphSvg } from "./graph.js";
import { initI18n, onLangChange, t } from "./i18n.js";
import { api, clear, h, qs, shortId } from "./ui.js";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "suyuan.token";

let state = { lots: [], scope: undefined, recall: undefined, error: undefined, loading: false, message: undefined };

function token() {
  return $("token").value.trim() || undefined;
}

function lotsFromInput() {
  return $("lots")
    .value.split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

async function findScope() {
  const lots = lotsFromInput();
  if (lots.length === 0) {
    state = { ...state, message: t("rec.nolots") };
    render();
    return;
  }
  state = { lots, scope: undefined, recall: undefined, error: undefined, loading: true };
  render();
  try {
    const scope = await api(`/api/v1/recall-scope?${qs({ lot: lots })}`, { token: token() });
    state = { ...state, scope, loading: false };
  } catch (e) {
    state = { ...state, error: e, loading: false };
  }
  render();
}

async function issueRecall() {
  if (token() === undefined) {
    state = { ...state, message: t("rec.needtoken") };
    render();
    return;
  }
  const reason = $("reason").value.trim();
  if (reason === "") {
    state = { ...state, message: t("rec.needreason") };
    render();
    return;
  }
  try {
    const rec = await api("/api/v1/recalls", {
      method: "POST",
      token: token(),
      body: { lots: state.lots, identifiers: [], reason, class: $("class").value },
    });
    state = { ...state, recall: rec, error: undefined, message: t("rec.issued", { id: rec.id }) };
    render();
    await refreshStatus();
  } catch (e) {
    state = { ...state, error: e };
    render();
  }
}

async function refreshStatus() {
  if (state.recall === undefined) return;
  try {
    const st = await api(`/api/v1/recalls/${encodeURIComponent(state.recall.id)}`, { token: token() });
    state = { ...state, recall: st.recall ?? st };
  } catch (e) {
    state = { ...state, error: e };
  }
  render();
}

/** Downloads the holders CSV with the bearer token (a plain link could not send it). */
async function exportCsv() {
  const headers = { Accept: "text/csv" };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  const res = await fetch(`/api/v1/recall-scope.csv?${qs({ lot: state.lots })}`, { headers });
  if (!res.ok) {
    state = { ...state, error: new Error(`CSV: HTTP ${res.status}`) };
    render();
    return;
  }
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: "recall-scope.csv", hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function holderStatus(hd) {
  const rh = (state.recall?.holders ?? []).find(
    (x) => (x.location ?? "") === (hd.location ?? "") && (x.party ?? "") === (hd.party ?? ""),
  );
  if (state.recall === undefined) return "none";
  if (rh === undefined) return "pending";
  if (rh.acknowledgedAt) return "acknowledged";
  if (rh.notifiedAt) return "notified";
  return "pending";
}

function render() {
  document.body.dataset.state = state.loading ? "loading" : state.error ? "error" : state.scope ? "ready" : "idle";
  const msg = clear($("message"));
  if (state.message) msg.append(h("p", { class: "banner info" }, state.message));
  if (state.error) {
    msg.append(
      h(
        "div",
        { class: "banner error", role: "alert" },
        h("strong", {}, `${t("err.title")}: `),
        state.error.message,
        state.error.code ? h("code", {}, ` ${state.error.code}`) : null,
      ),
    );
  }
  const out = clear($("result"));
  $("csv").disabled = state.scope === undefined;
  $("issue-form").hidden = state.scope === undefined || state.recall !== undefined;
  $("refresh").hidden = state.recall === undefined;
  if (state.recall !== undefined) $("issue-form").hidden = false;
  $("issue").hidden = state.recall !== undefined;
  if (state.loading) {
    out.append(h("p", { class: "muted" }, t("rec.loading")));
    return;
  }
  const sc = state.scope;
  if (sc === undefined) return;
  const units = Array.isArray(sc.units) ? sc.units.length : (sc.units ?? 0);
  out.append(
    h(
      "p",
      { id: "scope-summary" },
      t("rec.summary", {
        lots: (sc.lots ?? []).length,
        derived: (sc.lotsDerived ?? []).length,
        containers: (sc.containers ?? []).length,
        units,
        holders: (sc.holders ?? []).length,
      }),
    ),
  );
  out.append(
    h("section", { class: "card" }, h("h2", {}, t("rec.graph")), h("div", { class: "scroll" }, recallGraphSvg(sc))),
  );
  const rows = (sc.holders ?? []).map((hd) => {
    const st = holderStatus(hd);
    return h(
      "tr",
      { "data-location": hd.location, "data-status": st },
      h("td", { title: hd.location }, hd.locationName || shortId(hd.location ?? "")),
      h("td", { title: hd.party }, hd.partyName || shortId(hd.party ?? "")),
      h("td", { class: "num" }, String(hd.units)),
      h("td", {}, h("span", { class: `status s-${st}` }, t(`rec.status.${st}`))),
    );
  });
  out.append(
    h(
      "section",
      { class: "card" },
      h("h2", {}, t("rec.holders")),
      h(
        "table",
        { id: "holders" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["rec.col.location", "rec.col.party", "rec.col.units", "rec.col.status"].map((k) => h("th", {}, t(k))),
          ),
        ),
        h("tbody", {}, rows),
      ),
      totals(sc.statusTotals),
    ),
  );
}

function totals(st) {
  if (st === undefined || Object.keys(st).length === 0) return null;
  return h(
    "p",
    { class: "muted" },
    `${t("rec.totals")}: `,
    Object.entries(st)
      .map(([k, v]) => `${k.replace(/_/g, " ")} ${v}`)
      .join(" · "),
  );
}

function main() {
  initI18n();
  onLangChange(() => render());
  // sessionStorage: the token lasts for this tab, not on the disk of a shared computer.
  $("token").value = sessionStorage.getItem(TOKEN_KEY) ?? "";
  $("token").addEventListener("change", () => {
    if (token()) sessionStorage.setItem(TOKEN_KEY, token());
    else sessionStorage.removeItem(TOKEN_KEY);
  });
  $("scope-form").addEventListener("submit", (e) => {
    e.preventDefault();
    findScope();
  });
  $("issue-form").addEventListener("submit", (e) => {
    e.preventDefault();
    issueRecall();
  });
  $("refresh").addEventListener("click", () => refreshStatus());
  $("csv").addEventListener("click", () => exportCsv());
  const lots = new URL(location.href).searchParams.getAll("lot");
  if (lots.length > 0) {
    $("lots").value = lots.join("\n");
    findScope();
  }
  render();
}

main();
