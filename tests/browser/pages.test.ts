// The web pages in a real browser: Debian's Chromium driven by playwright-core, against a
// real core (seeded through EPCIS capture) behind the real HTTP server. No browser download:
// /usr/bin/chromium must be installed (.ci/services installs it); without it these tests fail.
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonical, EPC, gtinOf, type Stack, startStack } from "./scenario.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(import.meta.dirname, "..", "artifacts", "browser");

let stack: Stack;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with "apt-get install -y chromium" (see .ci/services)`);
  }
  await mkdir(ARTIFACTS, { recursive: true });
  stack = await startStack();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await stack?.stop();
});

/** A fresh browser profile per test, English unless asked, nothing from outside the core. */
async function newPage(locale = "en-GB"): Promise<Page> {
  await context?.close();
  context = await browser.newContext({ locale, acceptDownloads: true, viewport: { width: 1100, height: 900 } });
  // The pages must need nothing from the internet: any request elsewhere fails the test.
  const foreign: string[] = [];
  await context.route(
    (url) => !url.href.startsWith(stack.url) && !url.protocol.startsWith("blob") && !url.protocol.startsWith("data"),
    (route) => {
      foreign.push(route.request().url());
      return route.abort();
    },
  );
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("close", () => {
    expect(foreign, "requests outside the core").toEqual([]);
    expect(errors, "uncaught page errors").toEqual([]);
  });
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Opens the inspector with the inspector's token in this tab's session storage. */
async function openInspector(page: Page, code?: string): Promise<void> {
  await page.goto(`${stack.url}/`);
  await page.click("#token-box summary");
  await page.fill("#token", stack.inspectorToken);
  await page.dispatchEvent("#token", "change");
  if (code !== undefined) {
    await page.fill("#code", code);
    await page.click("#lookup");
  }
}

describe("browser pages (Chromium)", () => {
  it("seeded the scenario through EPCIS capture", () => {
    expect(stack.accepted).toBe(10);
  });

  it("inspector: a code typed in element-string form shows its chain with every proof verified", async () => {
    const page = await newPage();
    // The bottle's GS1 element string (AI 01 + AI 21): any code form is accepted.
    await openInspector(page, `(01)${gtinOf(EPC.B2)}(21)B2`);
    await page.waitForSelector("body[data-state=ready]");
    const steps = page.locator("#timeline li.step");
    // B2's own steps, its case's, its lot's and the mango lot's through the transformation.
    await expect.poll(() => steps.count()).toBe(9);
    await expect.poll(() => page.locator('#timeline [data-verify="ok"]').count(), { timeout: 10_000 }).toBe(9);
    expect(await page.locator('[data-verify="failed"]').count()).toBe(0);
    await expect.poll(() => page.locator("#checkpoint").textContent()).toContain("verified in this browser");
    const text = (await page.locator("#timeline").textContent()) ?? "";
    expect(text).toContain("Sanya orchard");
    expect(text).toContain("Haikou plant");
    expect(text).toContain("Guangzhou store");
    expect(text).toContain("Transformation");
    expect(text).toContain("Shipped");
    // Input origins and container steps say how they join the chain.
    expect(await page.locator("#timeline li.via-input").count()).toBe(4);
    expect(text).toMatch(/in container 00\/095060000000000015/);
    // The cold-chain chart: 4 readings from the proven records, the 12 °C one outside 0–8 °C.
    const chart = page.locator("#temperature svg.chart");
    await expect.poll(() => chart.getAttribute("data-readings")).toBe("4");
    expect(await chart.getAttribute("data-excursions")).toBe("1");
    expect(await page.locator("#temperature svg .band").count()).toBe(1);
    expect(await page.locator("#temperature svg circle.excursion").count()).toBe(1);
    // And the warning the core raised for it.
    expect(await page.locator('#warnings [data-kind="temperature-excursion"]').count()).toBeGreaterThan(0);
    expect(page.url()).toContain("?code=");
    await shot(page, "inspector-verified");
    await page.close();
  });

  it("inspector: a record changed in transit turns that step's badge red, naming the failure", async () => {
    const page = await newPage();
    // Flip one byte of one step's record in the chain answer, as a tampering proxy would.
    let tampered = "";
    await page.route("**/api/v1/chain?*", async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      const step = body.steps[5];
      const rec = Buffer.from(step.proof.record, "base64");
      rec[rec.length - 3]! ^= 0x01;
      step.proof.record = rec.toString("base64");
      tampered = step.eventId;
      await route.fulfill({ response: res, json: body });
    });
    await openInspector(page, canonical(EPC.B2));
    await page.waitForSelector("body[data-state=ready]");
    const bad = page.locator('#timeline [data-verify="failed"]');
    await expect.poll(() => bad.count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('#timeline [data-verify="ok"]').count()).toBe(8);
    const item = page.locator(`#timeline li.step[data-event-id="${tampered}"]`);
    expect(await item.locator('[data-verify="failed"]').getAttribute("data-reason")).toBe("inclusion");
    expect(await item.locator(".badge.bad").textContent()).toContain("does not hash to the signed root");
    await expect.poll(() => page.locator("#proof-summary").textContent()).toBe("8 of 9 steps verified in this browser");
    await shot(page, "inspector-tampered");
    await page.close();
  });

  it("inspector: a checkpoint signed by another key fails every step", async () => {
    const page = await newPage();
    await page.route("**/api/v1/checkpoint/key", (route) =>
      route.fulfill({
        json: {
          // A well-formed key of the same name that did not sign the checkpoint.
          verifierKey: "suyuan.core+d1f6ebd3+AaOGk+oLaaAJC1Pdfyvmn0oR4EHq1ePW3Hk7Qz6yH9yz",
          origin: "suyuan.core/log",
        },
      }),
    );
    await openInspector(page, canonical(EPC.B3));
    await page.waitForSelector("body[data-state=ready]");
    await expect.poll(() => page.locator('#checkpoint [data-verify="failed"]').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('#timeline [data-verify="ok"]').count()).toBe(0);
    await page.close();
  });

  it("language switch: labels change to Chinese, the choice is remembered, zh browsers start in Chinese", async () => {
    const page = await newPage("en-GB");
    await openInspector(page, canonical(EPC.B2));
    await page.waitForSelector("body[data-state=ready]");
    expect(await page.locator("h1").textContent()).toBe("Trace a product");
    expect(await page.locator("#lookup").textContent()).toBe("Look up");
    await page.click("#lang-switch");
    expect(await page.locator("h1").textContent()).toBe("产品溯源查询");
    expect(await page.locator("#lookup").textContent()).toBe("查询");
    expect(await page.locator("html").getAttribute("lang")).toBe("zh-CN");
    // Dynamic parts re-render too: business steps and badges in Chinese.
    await expect.poll(() => page.locator('#timeline [data-verify="ok"]').count(), { timeout: 10_000 }).toBe(9);
    const text = (await page.locator("#timeline").textContent()) ?? "";
    expect(text).toContain("发货");
    expect(text).toContain("证明已在浏览器中验证");
    await shot(page, "inspector-zh");
    // Remembered across pages (localStorage).
    await page.goto(`${stack.url}/recall`);
    expect(await page.locator("h1").textContent()).toBe("召回范围");
    await page.click("#lang-switch");
    expect(await page.locator("h1").textContent()).toBe("Recall scope");
    await page.close();

    const zh = await newPage("zh-CN");
    await zh.goto(`${stack.url}/`);
    expect(await zh.locator("h1").textContent()).toBe("产品溯源查询");
    await zh.close();
  });

  it("public view: a Digital Link path opens the reduced consumer view, genuine, on a phone", async () => {
    const page = await newPage();
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${stack.url}/01/${gtinOf(EPC.B3)}/21/B3`);
    await page.waitForSelector("body[data-state=ready]");
    expect(await page.locator("#verdict").getAttribute("data-status")).toBe("genuine");
    const text = (await page.locator("#result").textContent()) ?? "";
    expect(text).toContain("Mango juice");
    expect(text).toContain("Haikou plant");
    expect(text).toContain("Guangzhou store");
    // Reduced fields only: no proofs, no submitters.
    expect(text).not.toContain("admin:");
    // Nothing wider than the phone's screen.
    // Runs in the page (a string, so this file needs no DOM typings).
    const overflow = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth");
    expect(overflow).toBe(false);
    await shot(page, "public-genuine");
    // A lot path with a query attribute opens the same view.
    await page.goto(`${stack.url}/01/${gtinOf(EPC.B3)}/10/J1?17=991231`);
    await page.waitForSelector("body[data-state=ready]");
    expect(await page.locator("#result").textContent()).toContain("Mango juice");
    await page.close();
  });

  it("recall: lots → graph and holders, CSV download, issue the recall; the public view then says recalled", async () => {
    const page = await newPage();
    await page.goto(`${stack.url}/recall`);
    // The mango lot in element-string form; the juice made from it is affected too.
    await page.fill("#lots", `(01)${gtinOf("urn:epc:id:sgtin:9506000.013435.X")}(10)M1`);
    await page.fill("#token", stack.recallToken);
    await page.dispatchEvent("#token", "change");
    await page.click("#scope");
    await page.waitForSelector("body[data-state=ready]");
    expect(await page.locator("#scope-summary").textContent()).toBe(
      "1 lot(s), 1 derived lot(s), 1 container(s), 3 unit(s), 1 holder(s)",
    );
    const graph = page.locator("svg.graph");
    // M1, T1, J1, the case, the store; M1→T1, T1→J1, J1→store.
    expect(await graph.getAttribute("data-nodes")).toBe("5");
    expect(await graph.getAttribute("data-edges")).toBe("3");
    const rows = page.locator("#holders tbody tr");
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain("Guangzhou store");
    expect(await rows.first().locator("td.num").textContent()).toBe("2");
    expect(await rows.first().getAttribute("data-status")).toBe("none");

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#csv")]);
    const file = join(ARTIFACTS, "recall-scope.csv");
    await download.saveAs(file);
    const csv = (await readFile(file, "utf8")).trim().split(/\r?\n/);
    expect(csv[0]).toBe("location,location_name,party,party_name,units");
    expect(csv).toHaveLength(2);
    expect(csv[1]).toBe(
      `${canonical(EPC.store)},Guangzhou store 广州门店,${canonical(EPC.storeParty)},Green Market 绿色超市,2`,
    );

    await page.fill("#reason", "Mould found in lot M1 mangoes");
    await page.selectOption("#class", "II");
    await page.click("#issue");
    await expect.poll(() => page.locator("#message").textContent()).toMatch(/Recall .+ issued/);
    await expect.poll(() => rows.first().getAttribute("data-status")).toMatch(/^(pending|notified|acknowledged)$/);
    expect(stack.core.recalls.list()).toHaveLength(1);
    expect(stack.core.recalls.list()[0]?.recallClass).toBe("II");
    await shot(page, "recall-issued");
    await page.close();

    const pub = await newPage();
    await pub.goto(`${stack.url}/01/${gtinOf(EPC.B2)}/21/B2`);
    await pub.waitForSelector("body[data-state=ready]");
    expect(await pub.locator("#verdict").getAttribute("data-status")).toBe("recalled");
    await shot(pub, "public-recalled");
    await pub.close();

    const insp = await newPage();
    await openInspector(insp, canonical(EPC.B2));
    await insp.waitForSelector("body[data-state=ready]");
    expect(await insp.locator('#warnings [data-kind="recalled"]').count()).toBe(1);
    await insp.close();
  });
});
