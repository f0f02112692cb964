// Chinese and English labels. The choice is kept in localStorage ("suyuan.lang"); the first
// visit follows navigator.language (zh-* → Chinese, else English). Elements carrying
// data-i18n="key" get their text from the dictionary; data-i18n-placeholder / -title /
// -aria-label set those attributes.

const UI = {
  en: {
    "app.title": "Suyuan traceability",
    "nav.inspector": "Inspector",
    "nav.recall": "Recall",
    "lang.switch": "中文",
    "lang.switch.title": "切换到中文",
    "insp.heading": "Trace a product",
    "insp.code.label": "Code (GS1 Digital Link, element string, EPC URI, drug code…)",
    "insp.code.placeholder": "Type, paste or scan a code",
    "insp.lookup": "Look up",
    "insp.scan": "Scan",
    "insp.scan.stop": "Stop camera",
    "insp.scan.unavailable": "The camera could not be opened",
    "insp.loading": "Loading the chain…",
    "insp.token.label": "Access token (inspector)",
    "insp.needtoken": "The chain needs an inspector token: enter it under “Access token”.",
    "insp.empty": "No events are recorded for this code.",
    "insp.canonical": "Identifier",
    "insp.kind": "Kind",
    "insp.lot": "Lot",
    "insp.product": "Product",
    "insp.steps": "Steps",
    "insp.timeline": "Chain, origin to retail",
    "insp.checkpoint": "Signed checkpoint",
    "insp.checkpoint.ok": "Checkpoint signature verified in this browser (tree size {size})",
    "insp.checkpoint.bad": "Checkpoint NOT verified: {reason}",
    "insp.proofs.summary": "{ok} of {n} steps verified in this browser",
    "kind.unit": "Unit",
    "kind.container": "Container",
    "kind.lot": "Lot",
    "kind.class": "Product class",
    "step.at": "at",
    "step.by": "by",
    "step.via.self": "this item",
    "step.via.container": "in container {id}",
    "step.via.lot": "lot step {id}",
    "step.via.input": "input {id} (before transformation)",
    "step.corrects": "corrects an erroneous event",
    "step.erroneous": "Declared erroneous",
    "step.from": "from",
    "step.to": "to",
    "step.temp": "Temperature {min}–{max} {uom} ({count} readings)",
    "badge.gateway": "Signed by gateway {id}",
    "badge.partner": "Submitted by partner {id}",
    "badge.core": "Written by the core",
    "badge.included": "In the log (#{index})",
    "badge.pending": "Not yet in a checkpoint",
    "badge.verified": "Proof verified in browser",
    "badge.checking": "Checking proof…",
    "badge.failed": "Proof FAILED: {reason}",
    "fail.no-proof": "no proof supplied",
    "fail.not-in-checkpoint": "not covered by the checkpoint",
    "fail.malformed-proof": "malformed proof",
    "fail.inclusion": "record does not hash to the signed root",
    "fail.record-mismatch": "proven record is not this step",
    "fail.checkpoint": "checkpoint signature invalid",
    "fail.key": "core key unavailable",
    "warn.title": "Warnings",
    "warn.recalled": "RECALLED",
    "warn.expired": "Expired",
    "warn.sold-twice": "Sold more than once — possible counterfeit or diversion",
    "warn.dispensed-twice": "Dispensed more than once — possible counterfeit or diversion",
    "warn.temperature-excursion": "Temperature excursion",
    "warn.declared-erroneous": "An event was declared erroneous",
    "chart.title": "Cold chain temperature",
    "chart.range": "allowed {min}–{max} °C",
    "chart.excursions": "{n} reading(s) outside the allowed range",
    "chart.none": "No temperature readings in this chain.",
    "err.title": "Error",
    "rec.heading": "Recall scope",
    "rec.lots.label": "Lots (one per line, any code form)",
    "rec.lots.placeholder": "e.g. https://id.gs1.org/01/09506000134352/10/ABC123",
    "rec.scope": "Find affected stock",
    "rec.token.label": "Recall officer token",
    "rec.token.placeholder": "Bearer token (kept for this tab only)",
    "rec.loading": "Walking the supply chain…",
    "rec.summary":
      "{lots} lot(s), {derived} derived lot(s), {containers} container(s), {units} unit(s), {holders} holder(s)",
    "rec.graph": "Affected graph",
    "rec.holders": "Holders",
    "rec.col.location": "Location",
    "rec.col.party": "Party",
    "rec.col.units": "Units",
    "rec.col.status": "Status",
    "rec.status.none": "not issued",
    "rec.status.pending": "to notify",
    "rec.status.notified": "notified",
    "rec.status.acknowledged": "acknowledged",
    "rec.totals": "Units by status",
    "rec.issue": "Issue recall",
    "rec.reason.label": "Reason",
    "rec.class.label": "Class",
    "rec.class.I": "Class I — serious health hazard",
    "rec.class.II": "Class II — temporary or reversible",
    "rec.class.III": "Class III — unlikely to cause harm",
    "rec.issued": "Recall {id} issued",
    "rec.refresh": "Refresh status",
    "rec.csv": "Export CSV",
    "rec.needtoken": "A recall officer token is needed to issue a recall.",
    "rec.needreason": "Give a reason.",
    "rec.nolots": "Enter at least one lot.",
    "graph.lots": "Lots",
    "graph.transformations": "Transformations",
    "graph.derived": "Derived lots",
    "graph.containers": "Containers",
    "graph.holders": "Holders",
    "pub.heading": "Product information",
    "pub.genuine": "Genuine — recorded in the Suyuan ledger",
    "pub.recalled": "RECALLED — do not use; return to the seller",
    "pub.unknown": "Not found in the ledger",
    "pub.product": "Product",
    "pub.category": "Category",
    "pub.category.food": "Food",
    "pub.category.drug": "Medicine",
    "pub.origin": "Origin",
    "pub.produced": "Produced",
    "pub.expiry": "Best before / expiry",
    "pub.sold": "Sold",
    "pub.journey": "Journey",
    "pub.loading": "Looking up this product…",
    "pub.code": "Code",
  },
  zh: {
    "app.title": "溯源",
    "nav.inspector": "稽查",
    "nav.recall": "召回",
    "lang.switch": "English",
    "lang.switch.title": "Switch to English",
    "insp.heading": "产品溯源查询",
    "insp.code.label": "追溯码（GS1 数字链接、元素串、EPC URI、药品追溯码…）",
    "insp.code.placeholder": "输入、粘贴或扫描追溯码",
    "insp.lookup": "查询",
    "insp.scan": "扫码",
    "insp.scan.stop": "关闭摄像头",
    "insp.scan.unavailable": "无法打开摄像头",
    "insp.loading": "正在查询追溯链…",
    "insp.token.label": "访问令牌（稽查员）",
    "insp.needtoken": "查询追溯链需要稽查员令牌：请在“访问令牌”中填写。",
    "insp.empty": "此追溯码没有记录的事件。",
    "insp.canonical": "标识",
    "insp.kind": "类型",
    "insp.lot": "批次",
    "insp.product": "产品",
    "insp.steps": "环节",
    "insp.timeline": "追溯链：从源头到零售",
    "insp.checkpoint": "签名检查点",
    "insp.checkpoint.ok": "检查点签名已在本浏览器中验证（树大小 {size}）",
    "insp.checkpoint.bad": "检查点未通过验证：{reason}",
    "insp.proofs.summary": "{n} 个环节中 {ok} 个已在本浏览器中验证",
    "kind.unit": "单品",
    "kind.container": "包装/托盘",
    "kind.lot": "批次",
    "kind.class": "产品品类",
    "step.at": "地点",
    "step.by": "主体",
    "step.via.self": "本品",
    "step.via.container": "随容器 {id}",
    "step.via.lot": "批次环节 {id}",
    "step.via.input": "原料 {id}（加工前）",
    "step.corrects": "更正一条错误事件",
    "step.erroneous": "已声明为错误",
    "step.from": "发出",
    "step.to": "发往",
    "step.temp": "温度 {min}–{max} {uom}（{count} 个读数）",
    "badge.gateway": "网关 {id} 签名",
    "badge.partner": "合作方 {id} 提交",
    "badge.core": "核心系统写入",
    "badge.included": "已入账（#{index}）",
    "badge.pending": "尚未进入检查点",
    "badge.verified": "证明已在浏览器中验证",
    "badge.checking": "正在验证证明…",
    "badge.failed": "证明验证失败：{reason}",
    "fail.no-proof": "未提供证明",
    "fail.not-in-checkpoint": "不在检查点范围内",
    "fail.malformed-proof": "证明格式错误",
    "fail.inclusion": "记录哈希与签名根不符",
    "fail.record-mismatch": "被证明的记录不是此环节",
    "fail.checkpoint": "检查点签名无效",
    "fail.key": "无法获取核心公钥",
    "warn.title": "警示",
    "warn.recalled": "已召回",
    "warn.expired": "已过期",
    "warn.sold-twice": "多次销售——疑似假冒或窜货",
    "warn.dispensed-twice": "多次调剂发药——疑似假冒或窜货",
    "warn.temperature-excursion": "温度超标",
    "warn.declared-erroneous": "有事件被声明为错误",
    "chart.title": "冷链温度",
    "chart.range": "允许范围 {min}–{max} °C",
    "chart.excursions": "{n} 个读数超出允许范围",
    "chart.none": "此追溯链没有温度读数。",
    "err.title": "错误",
    "rec.heading": "召回范围",
    "rec.lots.label": "批次（每行一个，任意码制）",
    "rec.lots.placeholder": "例如 https://id.gs1.org/01/09506000134352/10/ABC123",
    "rec.scope": "查找受影响库存",
    "rec.token.label": "召回专员令牌",
    "rec.token.placeholder": "访问令牌（仅保存在本标签页）",
    "rec.loading": "正在追踪供应链…",
    "rec.summary": "{lots} 个批次，{derived} 个衍生批次，{containers} 个容器，{units} 个单品，{holders} 个持有方",
    "rec.graph": "影响图",
    "rec.holders": "持有方",
    "rec.col.location": "地点",
    "rec.col.party": "主体",
    "rec.col.units": "数量",
    "rec.col.status": "状态",
    "rec.status.none": "未发布",
    "rec.status.pending": "待通知",
    "rec.status.notified": "已通知",
    "rec.status.acknowledged": "已确认",
    "rec.totals": "各状态数量",
    "rec.issue": "发布召回",
    "rec.reason.label": "原因",
    "rec.class.label": "级别",
    "rec.class.I": "一级——严重健康危害",
    "rec.class.II": "二级——暂时或可逆危害",
    "rec.class.III": "三级——一般不会造成危害",
    "rec.issued": "召回 {id} 已发布",
    "rec.refresh": "刷新状态",
    "rec.csv": "导出 CSV",
    "rec.needtoken": "发布召回需要召回专员令牌。",
    "rec.needreason": "请填写原因。",
    "rec.nolots": "请至少输入一个批次。",
    "graph.lots": "批次",
    "graph.transformations": "加工",
    "graph.derived": "衍生批次",
    "graph.containers": "容器",
    "graph.holders": "持有方",
    "pub.heading": "产品信息",
    "pub.genuine": "正品——已记录在溯源账本中",
    "pub.recalled": "已召回——请勿使用，请退回商家",
    "pub.unknown": "账本中未找到",
    "pub.product": "产品",
    "pub.category": "类别",
    "pub.category.food": "食品",
    "pub.category.drug": "药品",
    "pub.origin": "产地",
    "pub.produced": "生产日期",
    "pub.expiry": "保质期/有效期至",
    "pub.sold": "销售日期",
    "pub.journey": "流通环节",
    "pub.loading": "正在查询产品…",
    "pub.code": "追溯码",
  },
};

// CBV 2.0 §7.2 business steps and §7.3 dispositions, in words.
const BIZ_STEP = {
  accepting: ["Accepted", "验收"],
  arriving: ["Arrived", "到达"],
  assembling: ["Assembled", "组装"],
  collecting: ["Collected", "收集"],
  commissioning: ["Commissioned (made / labelled)", "赋码（生产/贴标）"],
  consigning: ["Consigned", "寄售"],
  creating_class_instance: ["Created (lot)", "批次创建"],
  cycle_counting: ["Cycle count", "循环盘点"],
  decommissioning: ["Decommissioned", "注销"],
  departing: ["Departed", "离开"],
  destroying: ["Destroyed", "销毁"],
  disassembling: ["Disassembled", "拆解"],
  dispensing: ["Dispensed", "调剂发药"],
  encoding: ["Encoded", "编码"],
  entering_exiting: ["Entered / exited", "进出"],
  holding: ["Held", "扣留"],
  inspecting: ["Inspected", "检验"],
  installing: ["Installed", "安装"],
  killing: ["Tag killed", "标签失效"],
  loading: ["Loaded", "装车"],
  other: ["Other", "其他"],
  packing: ["Packed", "装箱"],
  picking: ["Picked", "拣货"],
  receiving: ["Received", "收货"],
  removing: ["Removed", "移除"],
  repackaging: ["Repackaged", "重新包装"],
  repairing: ["Repaired", "维修"],
  replacing: ["Replaced", "更换"],
  reserving: ["Reserved", "预留"],
  retail_selling: ["Sold at retail", "零售销售"],
  sampling: ["Sampled", "抽样"],
  sensor_reporting: ["Sensor report", "传感器报告"],
  shipping: ["Shipped", "发货"],
  staging_outbound: ["Staged for shipping", "待发货"],
  stock_taking: ["Stock take", "盘点"],
  stocking: ["Stocked", "上架"],
  storing: ["Stored", "存储"],
  transporting: ["In transport", "运输"],
  unloading: ["Unloaded", "卸货"],
  unpacking: ["Unpacked", "拆箱"],
  void_shipping: ["Shipment voided", "取消发货"],
};
const DISPOSITION = {
  active: ["active", "已激活"],
  available: ["available", "可用"],
  completeness_inferred: ["completeness inferred", "推定完整"],
  completeness_verified: ["completeness verified", "已核实完整"],
  conformant: ["conformant", "合格"],
  container_closed: ["container closed", "容器已封"],
  container_open: ["container open", "容器已开"],
  damaged: ["damaged", "已损坏"],
  destroyed: ["destroyed", "已销毁"],
  dispensed: ["dispensed", "已发药"],
  disposed: ["disposed", "已处置"],
  encoded: ["encoded", "已编码"],
  expired: ["expired", "已过期"],
  in_progress: ["in progress", "处理中"],
  in_transit: ["in transit", "运输中"],
  inactive: ["inactive", "未激活"],
  mismatch_instance: ["instance mismatch", "单品不符"],
  mismatch_class: ["class mismatch", "品类不符"],
  mismatch_quantity: ["quantity mismatch", "数量不符"],
  needs_replacement: ["needs replacement", "需更换"],
  no_pedigree_match: ["no pedigree match", "谱系不符"],
  non_conformant: ["non-conformant", "不合格"],
  non_sellable_other: ["not sellable", "不可销售"],
  partially_dispensed: ["partially dispensed", "部分发药"],
  recalled: ["recalled", "已召回"],
  reserved: ["reserved", "已预留"],
  retail_sold: ["sold", "已售出"],
  returned: ["returned", "已退货"],
  sellable_accessible: ["sellable", "可销售"],
  sellable_not_accessible: ["sellable (not accessible)", "可销售（不可取）"],
  stolen: ["stolen", "被盗"],
  unavailable: ["unavailable", "不可用"],
  unknown: ["unknown", "未知"],
};
const EVENT_TYPE = {
  ObjectEvent: ["Object event", "对象事件"],
  AggregationEvent: ["Aggregation", "聚合（装/拆）"],
  TransformationEvent: ["Transformation", "加工转换"],
  AssociationEvent: ["Association", "关联"],
  TransactionEvent: ["Transaction", "交易"],
};

const KEY = "suyuan.lang";
const listeners = [];
let lang = initialLang();

function initialLang() {
  let saved = null;
  try {
    saved = localStorage.getItem(KEY);
  } catch {
    saved = null;
  }
  if (saved === "zh" || saved === "en") return saved;
  const nav = (navigator.languages?.[0] ?? navigator.language ?? "en").toLowerCase();
  return nav.startsWith("zh") ? "zh" : "en";
}

export function currentLang() {
  return lang;
}

/** Translates a key, filling {name} placeholders from `vars`. Unknown keys show as themselves. */
export function t(key, vars = {}) {
  const s = UI[lang][key] ?? UI.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
}

/** A CBV word from any of its forms (bare, urn:epcglobal:cbv:…, https://ref.gs1.org/cbv/…-word). */
export function cbvWord(v) {
  if (typeof v !== "string" || v === "") return "";
  const m = /(?:^urn:epcglobal:cbv:(?:bizstep|disp):|^https?:\/\/ref\.gs1\.org\/cbv\/(?:BizStep|Disp)-)([a-z_]+)$/.exec(
    v,
  );
  return m === null ? v : m[1];
}

function word(table, v) {
  const w = cbvWord(v);
  const e = table[w];
  if (e === undefined) return w.replace(/_/g, " ");
  return lang === "zh" ? e[1] : e[0];
}

export const bizStepText = (v) => word(BIZ_STEP, v);
export const dispositionText = (v) => word(DISPOSITION, v);
export const eventTypeText = (v) => word(EVENT_TYPE, v);

/** Date-time in the chosen language, in the viewer's time zone. */
export function formatTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? "");
  return d.toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
}

export function formatDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? "");
  return d.toLocaleDateString(lang === "zh" ? "zh-CN" : "en-GB", { year: "numeric", month: "2-digit", day: "2-digit" });
}

/** Fills every data-i18n* element under `root`. */
export function applyI18n(root = document) {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder));
  }
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.setAttribute("title", t(el.dataset.i18nTitle));
}

export function setLang(next) {
  if (next !== "zh" && next !== "en") return;
  lang = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  applyI18n();
  for (const f of listeners) f(lang);
}

/** Runs `f` after every language change (pages re-render their dynamic parts). */
export function onLangChange(f) {
  listeners.push(f);
}

/** Wires the header's switch button (id="lang-switch") and fills the static labels. */
export function initI18n() {
  applyI18n();
  const btn = document.getElementById("lang-switch");
  if (btn !== null) btn.addEventListener("click", () => setLang(lang === "zh" ? "en" : "zh"));
}
