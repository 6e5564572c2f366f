// The site registry on a phone: an admin imports the city's spreadsheet through the page, and an
// inspector standing at a shop finds it first in "nearest to me".
const { test, expect } = require('@playwright/test');
const path = require('path');
const { signIn, shot, expectNoHorizontalScroll, expectThumbSizedTargets } = require('./helpers');

const fixture = (name) => path.join(__dirname, '..', 'fixtures', name);

test('an admin imports a CSV through the page, sees its problems, then the fixed file', async ({ page }) => {
  await signIn(page, 'admin');
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '网点' }).tap();
  await expect(page.getByRole('heading', { level: 1, name: '网点与单位' })).toBeVisible();
  await page.getByRole('link', { name: '批量导入' }).tap();

  // A file with mistakes: each is listed by row and column, and nothing is written.
  await page.getByLabel('文件', { exact: true }).setInputFiles(fixture('sites-bad.csv'));
  await page.getByRole('button', { name: '上传并检查' }).tap();
  await expect(page.getByRole('alert')).toContainText('未导入任何数据');
  const problems = page.getByRole('table');
  await expect(problems.getByRole('row', { name: /3 区县 区县不存在/ })).toBeVisible();
  await expect(problems.getByRole('row', { name: /5 户数 居民小区必须填写户数/ })).toBeVisible();
  await expectNoHorizontalScroll(page);
  await shot(page, 'import-problems');

  // The GBK file from Excel: previewed, then imported.
  await page.getByRole('link', { name: '再导入一个文件' }).tap();
  await page.getByLabel('文件', { exact: true }).setInputFiles(fixture('sites-gbk.csv'));
  await page.getByRole('button', { name: '上传并检查' }).tap();
  await expect(page.getByRole('status')).toHaveText('检查通过，尚未导入。');
  await expect(page.getByText('将新增')).toBeVisible();
  await shot(page, 'import-preview');
  await page.getByRole('button', { name: '确认导入' }).tap();
  await expect(page.getByRole('status')).toContainText('导入完成。 新增 5');

  await page.getByRole('link', { name: '返回网点列表' }).tap();
  await page.getByLabel('搜索').fill('卫浴');
  await page.getByLabel('类型').selectOption({ label: '门店' });
  await page.getByRole('button', { name: '筛选' }).tap();
  const list = page.getByRole('list', { name: '网点与单位' });
  await expect(list.getByRole('link', { name: '惠达卫浴（建材城店）' })).toBeVisible();
  await expect(list.getByRole('link', { name: '法恩莎卫浴' })).toBeVisible();
  await expectNoHorizontalScroll(page);
  await expectThumbSizedTargets(page);
  await shot(page, 'sites-list');

  // The shop's page: its venue, its position converted from GCJ-02, and a title added.
  await list.getByRole('link', { name: '法恩莎卫浴' }).tap();
  await expect(page.getByText('东昌建材城', { exact: true })).toBeVisible();
  await expect(page.getByText(/GCJ02/)).toBeVisible();
  await page.getByLabel('授予日期').fill('2023-05-10');
  await page.getByLabel('文号').fill('聊节水办〔2023〕12号');
  await page.getByRole('button', { name: '添加称号' }).tap();
  await expect(page.getByRole('status')).toHaveText('称号已添加。');
  await expect(page.getByText('聊节水办〔2023〕12号')).toBeVisible();
  await shot(page, 'site-detail');
});

test('an inspector at a demo shop sees it first in "nearest to me"', async ({ page }) => {
  await signIn(page, 'inspector');
  await expect(page).toHaveURL('/today');
  await page.getByRole('button', { name: '按我的位置排序' }).tap();
  await expect(page).toHaveURL(/lat=36\.4603/);
  const list = page.getByRole('list', { name: '附近网点' });
  const first = list.getByRole('listitem').first();
  await expect(first).toContainText('恒洁卫浴（金柱店）');
  await expect(first).toContainText(/\d+ 米/);
  await expect(page.getByText('定位精度约 12 米')).toBeVisible();
  // Filter by kind, keeping the order by distance.
  await page.getByLabel('类型').selectOption({ label: '居民小区' });
  await page.getByRole('button', { name: '搜索', exact: true }).tap();
  await expect(list.getByRole('listitem').first()).toContainText('小区');
  await expect(page).toHaveURL(/lat=36\.4603.*kind=community/);
  await expectNoHorizontalScroll(page);
  await expectThumbSizedTargets(page);
  await shot(page, 'nearest');
});

test.describe('with location denied', () => {
  test.use({ permissions: [] });

  test('the inspector is told why and can still search by name', async ({ page }) => {
    await signIn(page, 'inspector');
    await page.getByRole('button', { name: '按我的位置排序' }).tap();
    await expect(page.getByRole('status')).toContainText('定位权限被拒绝');
    await page.getByLabel('搜索').fill('明珠');
    await page.getByRole('button', { name: '搜索', exact: true }).tap();
    const list = page.getByRole('list', { name: '附近网点' });
    await expect(list.getByRole('listitem')).toHaveCount(1);
    await expect(list).toContainText('水城明珠小区');
    await expect(page.getByText('按名称排序')).toBeVisible();
  });
});
