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

test('an admin makes a new rules version on a phone, and a mistake comes back as typed', async ({ page }) => {
  await signIn(page, 'admin');
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '规则' }).tap();
  await expect(page.getByRole('heading', { level: 1, name: '规则与标准' })).toBeVisible();
  await page.getByRole('link', { name: '新建规则版本' }).tap();
  await expect(page.getByRole('heading', { level: 1, name: '新建规则版本' })).toBeVisible();
  const tomorrow = new Date(Date.now() + 36 * 3600 * 1000).toISOString().slice(0, 10);
  await page.getByLabel('生效日期').fill(tomorrow);
  await page.getByLabel('依据', { exact: true }).first().fill('GB 25502-2024 试行');
  const toilet = page.getByRole('group', { name: '坐便器 toilet', exact: true });
  const limit = toilet.getByLabel('2 级限值 (L/次)');
  await expect(limit).toHaveValue('5');
  // A limit stricter than grade 1's is refused, and what was typed is still there.
  await limit.fill('3.5');
  await page.getByRole('button', { name: '保存新版本' }).tap();
  await expect(page.getByRole('alert')).toContainText('toilet.t2');
  await expect(page.getByRole('group', { name: '坐便器 toilet', exact: true }).getByLabel('2 级限值 (L/次)')).toHaveValue('3.5');
  await expect(page.getByLabel('生效日期')).toHaveValue(tomorrow);
  await expectNoHorizontalScroll(page);
  await shot(page, 'rules-new-refused');
  await page.getByRole('group', { name: '坐便器 toilet', exact: true }).getByLabel('2 级限值 (L/次)').fill('4.8');
  await page.getByRole('button', { name: '保存新版本' }).tap();
  await expect(page.getByText('已保存新的规则版本')).toBeVisible();
  const newest = page.getByRole('region', { name: /^版本 \d+$/ }).first();
  await expect(newest).toContainText(tomorrow);
  await expect(newest).toContainText('2 ≤ 4.8 L/次');
  await shot(page, 'rules-new-saved');
});
