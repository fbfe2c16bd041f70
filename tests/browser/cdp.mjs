// A minimal Chrome DevTools Protocol client over --remote-debugging-pipe
// (fd 3: commands to the browser, fd 4: replies and events; each message
// is JSON followed by a NUL byte).  No npm package needed.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function launch(extraArgs = []) {
  const exe = process.env.CHROMIUM || "/usr/bin/chromium";
  const profile = mkdtempSync(join(tmpdir(), "syncready-chromium-"));
  const args = [
    "--headless", "--no-sandbox", "--disable-gpu",
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-extensions",
    "--disable-default-apps", "--mute-audio",
    `--user-data-dir=${profile}`, "--remote-debugging-pipe",
    ...extraArgs, "about:blank",
  ];
  /* A process group of its own, so that close() can end Chromium's
   * helpers too: they outlive the browser and write into the profile
   * while it is being removed. */
  const proc = spawn(exe, args, { detached: true, stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => { stderr += d; });
  const out = proc.stdio[3], inp = proc.stdio[4];
  let nextId = 1, buf = Buffer.alloc(0);
  const pending = new Map(), listeners = [];
  inp.on("data", (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    let end;
    while ((end = buf.indexOf(0)) >= 0) {
      const msg = JSON.parse(buf.subarray(0, end).toString("utf8"));
      buf = buf.subarray(end + 1);
      if (msg.id !== undefined && pending.has(msg.id)) {
        const { resolve, reject } = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) { reject(new Error(JSON.stringify(msg.error))); } else { resolve(msg.result); }
      } else if (msg.method) {
        for (const l of listeners) { l(msg); }
      }
    }
  });
  const exited = new Promise((resolve) => proc.on("exit", resolve));
  function send(method, params = {}, sessionId) {
    const id = nextId++;
    const msg = { id, method, params };
    if (sessionId) { msg.sessionId = sessionId; }
    out.write(JSON.stringify(msg) + "\0");
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
  }
  function on(fn) { listeners.push(fn); }
  async function close() {
    try { await Promise.race([send("Browser.close"), new Promise((r) => setTimeout(r, 2000))]); } catch { /* gone */ }
    if (proc.exitCode === null) { proc.kill("SIGKILL"); }
    await exited;
    try { process.kill(-proc.pid, "SIGKILL"); } catch { /* no helper left */ }
    /* Chromium's helpers may still be writing the profile for a moment. */
    try { rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }); } catch { /* left in /tmp */ }
  }
  return { send, on, close, stderr: () => stderr };
}

// A page session: every call goes to one tab.
export async function openPage(browser) {
  const { targetId } = await browser.send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await browser.send("Target.attachToTarget", { targetId, flatten: true });
  const send = (m, p) => browser.send(m, p, sessionId);
  const events = [];
  browser.on((msg) => { if (msg.sessionId === sessionId) { events.push(msg); } });
  return { send, events, sessionId };
}

export function waitFor(page, method, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    const start = page.events.length;
    const t0 = Date.now();
    const poll = () => {
      for (let i = start; i < page.events.length; i++) {
        if (page.events[i].method === method) { resolve(page.events[i]); return; }
      }
      if (Date.now() - t0 > timeoutMs) { reject(new Error(`timeout waiting for ${method}`)); return; }
      setTimeout(poll, 20);
    };
    poll();
  });
}

export async function evaluate(page, expression) {
  const r = await page.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
  if (r.exceptionDetails) { throw new Error(`evaluate failed: ${JSON.stringify(r.exceptionDetails)}`); }
  return r.result.value;
}
