// The market-check rules on a phone: an admin reads which version is in force and what it says about
// each fixture category.
const { test, expect } = require('@playwright/test');
const { signIn, shot, expectNoHorizontalScroll } = require('./helpers');

test('an admin reads the rules in force, category by category', async ({ page }) => {
  await signIn(page, 'admin');
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '规则' }).tap();
  await expect(page.getByRole('heading', { level: 1, name: '规则与标准' })).toBeVisible();
  const v1 = page.getByRole('region', { name: '版本 1' });
  await expect(v1.getByText('现行')).toBeVisible();
  const toilet = v1.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /坐便器/ }) }).first();
  await expect(toilet).toContainText('GB 25502-2017');
  await expect(toilet).toContainText('2 ≤ 5 L/次');
  await expect(v1.getByRole('listitem').filter({ hasText: '水嘴' })).toContainText('2026-01-01');
  await expectNoHorizontalScroll(page);
  await shot(page, 'rules');
});
