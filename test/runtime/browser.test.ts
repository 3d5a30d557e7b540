import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../../lib/local/worker";
import {
  accessibilityViolations,
  launchChromium,
  publishShowcase,
  type Showcase,
  scrollsSideways,
} from "../helpers/browser";
import { ADMIN_TOKEN, settings } from "../helpers/harness";

let worker: LocalWorker;
let browser: Browser;
let showcase: Showcase;
let origin: string;

beforeAll(async () => {
  [worker, browser] = await Promise.all([
    startLocalWorker({ settings: settings(), logLevel: "error" }),
    launchChromium(),
  ]);
  origin = worker.url.origin;
  showcase = await publishShowcase(origin, ADMIN_TOKEN);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await worker?.dispose();
});

/** A fresh browser context; `alerts` collects every dialog a page opens (none must). */
async function open(options: { phone?: boolean; dark?: boolean } = {}) {
  const context: BrowserContext = await browser.newContext({
    baseURL: origin,
    javaScriptEnabled: true,
    colorScheme: options.dark ? "dark" : "light",
    ...(options.phone ? { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true } : {}),
  });
  const page = await context.newPage();
  const alerts: string[] = [];
  page.on("dialog", async (dialog) => {
    alerts.push(dialog.message());
    await dialog.dismiss();
  });
  return { context, page, alerts };
}

describe("the artifact browser in Debian's chromium, against the Worker in workerd", () => {
  it("browses from the root to a file by its links, and the file's download link serves it", async () => {
    const { context, page, alerts } = await open();
    await page.goto(`${showcase.base}/browse`);
    expect(await page.title()).toContain(`Job #${showcase.jobId}`);
    await page.getByRole("link", { name: "dist/", exact: true }).click();
    await page.getByRole("link", { name: "assets/", exact: true }).click();
    expect(new URL(page.url()).pathname).toBe(`${showcase.base}/browse/dist/assets`);
    await page.getByRole("link", { name: "style.css", exact: true }).click();
    expect(await page.locator("pre").textContent()).toBe("body { font-family: system-ui; }\n");
    const raw = await page.getByRole("link", { name: "Download style.css" }).getAttribute("href");
    const res = await page.request.get(raw ?? "");
    expect(await res.text()).toBe("body { font-family: system-ui; }\n");
    // Back up through the breadcrumb.
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "dist" }).click();
    expect(new URL(page.url()).pathname).toBe(`${showcase.base}/browse/dist`);
    expect(alerts).toEqual([]);
    await context.close();
  });

  it("shows a hostile name and hostile contents as text: no script runs, no element is injected", async () => {
    const { context, page, alerts } = await open();
    await page.goto(`${showcase.base}/browse`);
    const hostile = page.getByRole("link", { name: "<img src=x onerror=alert(1)>.txt" });
    await expect(hostile.count()).resolves.toBe(1);
    expect(await page.locator("main img").count()).toBe(0);
    await hostile.click();
    expect(await page.locator("pre").textContent()).toBe("<script>alert(2)</script> & friends\n");
    expect(await page.locator("main script").count()).toBe(0);
    await page.goto(`${showcase.base}/file/coverage/index.html`);
    expect(await page.locator("pre").textContent()).toContain("<script>alert('coverage')</script>");
    expect(alerts).toEqual([]);
    await context.close();
  });

  it("loads a badge through the ref URL READMEs use, and shows images inline on their file page", async () => {
    const { context, page } = await open();
    const badge = `/${showcase.projectPath}/-/jobs/artifacts/main/raw/coverage/badge.svg?job=build`;
    // As a README on another site embeds it: opened as a page it is a download (Workhorse's
    // attachment for SVG), in an <img> it renders.
    await page.setContent(`<img id="badge" alt="coverage" src="${origin}${badge}">`);
    const badgeWidth = await page.locator("#badge").evaluate(async (img) => {
      const image = img as unknown as { decode(): Promise<void>; naturalWidth: number };
      await image.decode();
      return image.naturalWidth;
    });
    expect(badgeWidth).toBe(114);
    await page.goto(`${showcase.base}/file/coverage/badge.svg`);
    const width = await page.locator("img.artifact").evaluate(async (img) => {
      const image = img as unknown as { decode(): Promise<void>; naturalWidth: number };
      await image.decode();
      return image.naturalWidth;
    });
    expect(width).toBe(114);
    await context.close();
  });

  it("downloads the whole archive from the browse page's link", async () => {
    const { context, page } = await open();
    await page.goto(`${showcase.base}/browse`);
    const href = await page.getByRole("link", { name: /Download the archive/ }).getAttribute("href");
    const res = await page.request.get(href ?? "");
    expect(res.status()).toBe(200);
    expect([...(await res.body()).subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
    await context.close();
  });

  it.each([
    ["browse (root)", "/browse"],
    ["browse (deep)", "/browse/dist/assets/vendor"],
    ["a text file", "/file/logs/build.log"],
    ["an image", "/file/coverage/badge.svg"],
    ["a binary file", "/file/bin/tool"],
  ])(
    "%s: no WCAG 2.1 AA violation found by axe-core, light and dark, and no sideways scroll on a phone",
    async (_, path) => {
      for (const options of [{}, { phone: true, dark: true }]) {
        const { context, page } = await open(options);
        await page.goto(`${showcase.base}${path}`);
        expect(await accessibilityViolations(page)).toEqual([]);
        expect(await scrollsSideways(page)).toBe(false);
        await context.close();
      }
    },
  );

  it("shows the API reference (/api/v4/docs) with no axe-core violation and no script, light and dark", async () => {
    for (const options of [{}, { phone: true, dark: true }]) {
      const { context, page } = await open(options);
      const res = await page.goto("/api/v4/docs");
      expect(res?.status()).toBe(200);
      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("artifact-edge API reference");
      expect(await page.locator("script").count()).toBe(0);
      expect(await accessibilityViolations(page)).toEqual([]);
      await context.close();
    }
  });

  it("answers a missing page with an accessible 404 page", async () => {
    const { context, page } = await open({ phone: true });
    const res = await page.goto(`${showcase.base}/browse/nope`);
    expect(res?.status()).toBe(404);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("404: Page not found");
    expect(await accessibilityViolations(page)).toEqual([]);
    await context.close();
  });
});
