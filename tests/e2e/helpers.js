// Shared steps of the browser tests, written the way a person uses the app: by labels and names.
const { expect } = require('@playwright/test');
const fs = require('fs');
const os = require('os');
const path = require('path');

const PASSWORD = 'jieshui-demo';
const SHOTS = path.join(__dirname, '..', '.screenshots');

async function signIn(page, username, password = PASSWORD) {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).tap();
}

async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/// Nothing on the page may force sideways scrolling on a 390-px phone.
async function expectNoHorizontalScroll(page) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll, 'page is wider than the screen').toBeLessThanOrEqual(client);
}

/// Every visible button and link is big enough for a thumb.
async function expectThumbSizedTargets(page) {
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('a, button, input:not([type=hidden]), select')]
      .filter((el) => el.offsetParent !== null)
      // A checkbox, radio or file picker inside its label is tapped through the label.
      .map((el) => ({ el, r: (el.tagName === 'INPUT' && el.closest('label') ? el.closest('label') : el).getBoundingClientRect() }))
      .filter(({ r }) => r.height < 44)
      .map(({ el, r }) => `${el.tagName} "${(el.textContent || el.getAttribute('aria-label') || '').trim()}" ${Math.round(r.height)}px`));
  expect(small, 'targets under 44 px').toEqual([]);
}

/// The fixture photos carry a camera time of 2026-11-29 10:15:02 (China time). A photo that old would
/// rightly be flagged as taken long before it arrived, so each test writes a copy taken `agoSecs`
/// before now: the tests never depend on the day they run. Returns the copy's path and its time as
/// the viewer shows it.
const FIXTURE_EXIF_TIME = '2026:11:29 10:15:02';
function photoTakenAgo(name, agoSecs = 60) {
  const china = new Date(Date.now() - agoSecs * 1000 + 8 * 3600 * 1000).toISOString();
  const exif = `${china.slice(0, 4)}:${china.slice(5, 7)}:${china.slice(8, 10)} ${china.slice(11, 19)}`;
  const bytes = fs.readFileSync(path.join(__dirname, '..', 'fixtures', name));
  const old = Buffer.from(FIXTURE_EXIF_TIME, 'ascii');
  let at = bytes.indexOf(old);
  if (at < 0) throw new Error(`${name} has no EXIF time ${FIXTURE_EXIF_TIME}`);
  for (; at >= 0; at = bytes.indexOf(old, at + old.length)) bytes.write(exif, at, 'ascii');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jieshui-photo-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return { file, shown: exif.replace(/^(\d{4}):(\d{2}):(\d{2})/, '$1-$2-$3') };
}

module.exports = {
  PASSWORD, signIn, shot, expectNoHorizontalScroll, expectThumbSizedTargets, photoTakenAgo,
};
