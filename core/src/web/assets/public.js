// Public consumer view: the page a printed GS1 Digital Link QR code opens
// (GS1 Digital Link 1.2 §4: https://<host>/01/<gtin>/21/<serial> or /10/<lot>, extra
// qualifiers and query allowed). Shows only the reduced public fields.
import { bizStepText, formatDate, formatTime, initI18n, onLangChange, t } from "./i18n.js";
import { api, clear, h, nameOf, qs, shortId } from "./ui.js";

const $ = (id) => document.getElementById(id);
const state = { answer: undefined, error: undefined };

/** The Digital Link this page was opened with, as the core parses it (any domain is accepted). */
function digitalLink() {
  return `${location.origin}${location.pathname}${location.search}`;
}

function render() {
  const out = clear($("result"));
  document.body.dataset.state = state.error ? "error" : state.answer ? "ready" : "loading";
  if (state.error !== undefined) {
    out.append(
      h("div", { class: "verdict unknown", id: "verdict", "data-status": "unknown" }, t("pub.unknown")),
      h("p", { class: "muted" }, state.error.message),
    );
    return;
  }
  const a = state.answer;
  if (a === undefined) {
    out.append(h("p", { class: "muted" }, t("pub.loading")));
    return;
  }
  const status = a.status === "genuine" || a.status === "recalled" ? a.status : "unknown";
  out.append(h("div", { class: `verdict ${status}`, id: "verdict", "data-status": status }, t(`pub.${status}`)));
  const dl = h("dl", { class: "facts big" });
  const add = (k, v) => {
    if (v === undefined || v === null || v === "") return;
    dl.append(h("dt", {}, t(k)), h("dd", {}, v));
  };
  add("pub.product", a.product?.name);
  add("pub.category", a.product?.category ? t(`pub.category.${a.product.category}`) : undefined);
  const origin = a.origin ?? {};
  add("pub.origin", [nameOf(origin.location), nameOf(origin.party)].filter(Boolean).join(" · "));
  const kd = a.keyDates ?? {};
  add("pub.produced", kd.produced ? formatDate(kd.produced) : origin.date ? formatDate(origin.date) : undefined);
  add("pub.expiry", kd.expiry ? formatDate(kd.expiry) : undefined);
  add("pub.sold", kd.sold ? formatDate(kd.sold) : undefined);
  add("pub.code", shortId(a.canonical));
  out.append(h("section", { class: "card" }, dl));
  const steps = a.steps ?? [];
  if (steps.length > 0) {
    out.append(
      h(
        "section",
        { class: "card" },
        h("h2", {}, t("pub.journey")),
        h(
          "ol",
          { class: "journey" },
          steps.map((st) =>
            h(
              "li",
              {},
              h("time", { datetime: st.eventTime }, formatTime(st.eventTime)),
              " ",
              h("strong", {}, bizStepText(st.bizStep ?? "")),
              st.location || st.locationName ? ` · ${nameOf(st.location) || st.locationName}` : "",
            ),
          ),
        ),
      ),
    );
  }
}

async function main() {
  initI18n();
  onLangChange(() => render());
  render();
  try {
    state.answer = await api(`/api/v1/public/chain?${qs({ code: digitalLink() })}`);
  } catch (e) {
    state.error = e;
  }
  render();
}

main();
