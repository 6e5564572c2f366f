// Browser tests: a phone (390×844, touch) in Debian's chromium against the release server binary,
// started fresh on its own port with its own database and the demo data.
const { defineConfig } = require('@playwright/test');
const fs = require('fs');
const os = require('os');
const path = require('path');

const PORT = Number(process.env.E2E_PORT || 3917);
const root = path.resolve(__dirname, '..');
const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
const serverBin = process.env.JIESHUI_SERVER_BIN || path.join(targetDir, 'release', 'jieshui-server');
const dataDir = process.env.E2E_DATA_DIR || fs.mkdtempSync(path.join(os.tmpdir(), 'jieshui-e2e-'));
process.env.E2E_DATA_DIR = dataDir; // workers inherit it, so they do not make directories of their own

module.exports = defineConfig({
  testDir: './e2e',
  outputDir: './test-results',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  // One server and one database: tests run one after another and make their own users.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    permissions: ['geolocation'],
    geolocation: { latitude: 36.4603, longitude: 115.9706, accuracy: 12 },
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  webServer: {
    command: serverBin,
    cwd: root,
    url: `http://127.0.0.1:${PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      JIESHUI_DEMO: '1',
      DEMO_PASSWORD: 'jieshui-demo',
      JIESHUI_BIND: `127.0.0.1:${PORT}`,
      JIESHUI_DATA_DIR: dataDir,
      DATABASE_URL: `sqlite://${dataDir}/e2e.db`,
      JIESHUI_SITE_ROOT: process.env.JIESHUI_SITE_ROOT || path.join(root, 'target', 'site'),
      JIESHUI_LOG: 'warn',
    },
  },
});
