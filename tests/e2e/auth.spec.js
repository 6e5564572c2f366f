// Signing in and out as each role on a phone, with and without JavaScript, in both languages.
const { test, expect } = require('@playwright/test');
const { PASSWORD, signIn, shot, expectNoHorizontalScroll, expectThumbSizedTargets } = require('./helpers');

const roles = [
  { user: 'inspector', home: '/today', heading: '今日任务', nav: ['今日', '检查', '整改', '同步'], name: '王检查' },
  { user: 'supervisor', home: '/review', heading: '待审核', nav: ['审核', '整改', '指标', '台账'], name: '李审核' },
  { user: 'admin', home: '/admin/users', heading: '用户管理', nav: ['用户', '规则', '网点', '日志'], name: '张管理' },
];

for (const r of roles) {
  test(`${r.user} signs in and lands on their home with their sections`, async ({ page }) => {
    await signIn(page, r.user);
    await expect(page).toHaveURL(r.home);
    await expect(page.getByRole('heading', { level: 1, name: r.heading })).toBeVisible();
    await expect(page.getByTitle('当前用户')).toContainText(r.name);
    const nav = page.getByRole('navigation', { name: '主导航' });
    for (const label of r.nav) {
      await expect(nav.getByRole('link', { name: label })).toBeVisible();
    }
    await expect(nav.getByRole('link')).toHaveCount(r.nav.length);
    // On a phone the navigation is a bar at the bottom of the screen, within thumb reach.
    const box = await nav.boundingBox();
    expect(box.y + box.height).toBeGreaterThanOrEqual(840);
    await expect(nav.getByRole('link', { name: r.nav[0] })).toHaveAttribute('aria-current', 'page');
    // Each section is a real page that says what it will hold.
    await nav.getByRole('link', { name: r.nav[1] }).tap();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(nav.getByRole('link', { name: r.nav[1] })).toHaveAttribute('aria-current', 'page');
    await expectNoHorizontalScroll(page);
    await expectThumbSizedTargets(page);
    await shot(page, `home-${r.user}`);
  });
}

test('a wrong password shows one message that does not say which field was wrong', async ({ page }) => {
  await signIn(page, 'inspector', 'not-the-password');
  await expect(page).toHaveURL(/\/login\?error=bad/);
  await expect(page.getByRole('alert')).toHaveText('用户名或密码不正确。');
  await expect(page.getByLabel('用户名')).toHaveValue('inspector');
  await expect(page.getByLabel('密码')).toHaveValue('');
  await expectNoHorizontalScroll(page);
  await expectThumbSizedTargets(page);
  await shot(page, 'login-wrong-password');
  // Then the right password works.
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).tap();
  await expect(page).toHaveURL('/today');
});

test('signing out ends the session', async ({ page }) => {
  await signIn(page, 'supervisor');
  await expect(page).toHaveURL('/review');
  await page.getByRole('button', { name: '退出登录' }).tap();
  await expect(page).toHaveURL(/\/login\?signed_out=1/);
  await expect(page.getByRole('status')).toHaveText('您已退出登录。');
  await page.goto('/review');
  await expect(page).toHaveURL(/\/login\?next=%2Freview|\/login\?next=\/review/);
  await expect(page.getByRole('heading', { name: '登录节水巡检' })).toBeVisible();
});

test('another role\'s page says it is not allowed', async ({ page }) => {
  await signIn(page, 'inspector');
  await expect(page).toHaveURL('/today');
  const resp = await page.goto('/admin/users');
  expect(resp.status()).toBe(403);
  await expect(page.getByRole('heading', { name: '无权访问' })).toBeVisible();
  await page.getByRole('link', { name: '返回首页' }).tap();
  await expect(page).toHaveURL('/today');
});

test('an unknown address shows the 404 page in the house style', async ({ page }) => {
  const resp = await page.goto('/no/such/page');
  expect(resp.status()).toBe(404);
  await expect(page.getByRole('heading', { name: '页面不存在' })).toBeVisible();
  await expectNoHorizontalScroll(page);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('sign-in, a wrong password and sign-out all work as plain forms', async ({ page }) => {
    await signIn(page, 'supervisor', 'wrong-password-here');
    await expect(page.getByRole('alert')).toHaveText('用户名或密码不正确。');
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录', exact: true }).tap();
    await expect(page).toHaveURL('/review');
    await expect(page.getByRole('heading', { level: 1, name: '待审核' })).toBeVisible();
    await page.getByRole('button', { name: '退出登录' }).tap();
    await expect(page).toHaveURL(/signed_out=1/);
    await shot(page, 'no-js-signed-out');
  });
});

test('English can be chosen and is remembered', async ({ page }) => {
  await page.goto('/login');
  await page.getByRole('button', { name: 'English' }).tap();
  await expect(page.getByRole('heading', { name: 'Sign in to Jieshui' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sign in to Jieshui' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.getByLabel('Username').fill('inspector');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).tap();
  await expect(page).toHaveURL('/today');
  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  await expect(nav.getByRole('link', { name: 'Today' })).toBeVisible();
  await shot(page, 'home-inspector-en');
  // And back to Chinese from inside the app.
  await page.getByRole('button', { name: '中文' }).tap();
  await expect(page.getByRole('heading', { level: 1, name: '今日任务' })).toBeVisible();
  await expect(page).toHaveURL('/today');
});

test('an inspector\'s first page load stays within the 100 KB script budget', async ({ page }) => {
  const sizes = [];
  page.on('requestfinished', async (req) => {
    if (/\.(js|wasm)(\?|$)/.test(req.url())) {
      const s = await req.sizes();
      sizes.push(s.responseBodySize);
    }
  });
  await signIn(page, 'inspector');
  await expect(page).toHaveURL('/today');
  await expect(page.getByRole('button', { name: '按我的位置排序' })).toBeVisible();
  await page.waitForLoadState('networkidle');
  const total = sizes.reduce((a, b) => a + b, 0);
  console.log(`inspector first load: ${(total / 1024).toFixed(1)} KB of JS + WASM over the wire`);
  expect(sizes.length).toBeGreaterThan(0);
  expect(total).toBeLessThanOrEqual(100 * 1024);
});
