/**
 * `npm run screenshots`: the artifact pages as Debian's chromium renders them, written to
 * docs/images/ (SCREENSHOTS_DIR to write elsewhere). A throwaway stack (TEST_DATABASE_URL's
 * server, else embedded PostgreSQL, and s3rver), the Worker in workerd, the showcase job of
 * test/helpers/browser.ts; loopback only, and everything stops when done.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalWorker } from "../../lib/local/worker";
import { launchChromium, publishShowcase } from "../helpers/browser";
import { ADMIN_TOKEN } from "../helpers/harness";
import { scratchStack } from "../helpers/scratch-stack";

const OUT = process.env.SCREENSHOTS_DIR ?? fileURLToPath(new URL("../../docs/images/", import.meta.url));

/** Which page, in which window: a desktop in light, a phone in dark. */
const SHOTS = [
  { file: "browse-desktop.png", path: "/browse/dist/assets", phone: false },
  { file: "browse-phone-dark.png", path: "/browse", phone: true },
  { file: "file-text.png", path: "/file/logs/build.log", phone: false },
  { file: "file-image-phone.png", path: "/file/coverage/badge.svg", phone: true },
] as const;

async function main() {
  mkdirSync(OUT, { recursive: true });
  const stack = await scratchStack("screens");
  const worker = await startLocalWorker({ settings: { ...stack.settings, ADMIN_TOKEN }, logLevel: "error" });
  const browser = await launchChromium();
  try {
    const showcase = await publishShowcase(worker.url.origin, ADMIN_TOKEN, "site");
    for (const shot of SHOTS) {
      const context = await browser.newContext({
        baseURL: worker.url.origin,
        colorScheme: shot.phone ? "dark" : "light",
        viewport: shot.phone ? { width: 390, height: 780 } : { width: 1100, height: 760 },
        deviceScaleFactor: 1,
        isMobile: shot.phone,
      });
      const page = await context.newPage();
      await page.goto(`${showcase.base}${shot.path}`);
      await page.screenshot({ path: join(OUT, shot.file), fullPage: !shot.phone });
      await context.close();
      console.log(`wrote ${join(OUT, shot.file)}`);
    }
  } finally {
    await browser.close();
    await worker.dispose();
    await stack.stop();
  }
}

await main();
