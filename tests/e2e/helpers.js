// Shared steps of the browser tests, written the way a person uses the app: by labels and names.
const { expect } = require('@playwright/test');
const fs = require('fs');
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
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.height < 44)
      .map(({ el, r }) => `${el.tagName} "${(el.textContent || el.getAttribute('aria-label') || '').trim()}" ${Math.round(r.height)}px`));
  expect(small, 'targets under 44 px').toEqual([]);
}

module.exports = { PASSWORD, signIn, shot, expectNoHorizontalScroll, expectThumbSizedTargets };
