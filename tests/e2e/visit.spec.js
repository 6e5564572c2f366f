// A market spot check on a phone, from the shop's door to submit: five product lines judged as they
// are typed, a reload in the middle, two lines and a label photo taken without a connection, the tab
// closed and opened again while still offline, the connection back, and the submit in the
// inspector's list.
const { test, expect } = require('@playwright/test');
const { signIn, shot, expectNoHorizontalScroll, expectThumbSizedTargets, photoTakenAgo } = require('./helpers');

const SHOP = '恒洁卫浴（金柱店）';

async function startCheck(page) {
  await signIn(page, 'inspector');
  await expect(page).toHaveURL('/today');
  // The locate button works once its island has woken up.
  await page.waitForLoadState('networkidle');
  await page.getByRole('button', { name: '按我的位置排序' }).tap();
  await expect(page).toHaveURL(/lat=/);
  await page.getByRole('button', { name: `开始检查 ${SHOP}` }).tap();
  await expect(page).toHaveURL(/\/checks\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1, name: SHOP })).toBeVisible();
  // The editor is hydrated when its buttons answer.
  await expect(page.getByRole('button', { name: '坐便器', exact: true })).toBeVisible();
  await page.waitForLoadState('networkidle');
  return page.url();
}

function lines(page) {
  // The lines themselves, not the photos listed inside each.
  return page.getByRole('list', { name: '在售产品' }).locator(':scope > li');
}

/// Adds a line of `category` and fills what the inspector reads off the product.
async function addLine(page, category, { brand, model, label = true, grade, figure }) {
  const before = await lines(page).count();
  await page.getByRole('button', { name: category, exact: true }).tap();
  await expect(lines(page)).toHaveCount(before + 1);
  const line = lines(page).nth(before);
  await line.getByLabel('品牌').fill(brand);
  if (model) await line.getByLabel('型号').fill(model);
  const labelled = line.getByRole('checkbox', { name: '有水效标识' });
  if ((await labelled.isChecked()) !== label) await labelled.tap();
  if (grade) await line.getByRole('radio', { name: `${grade}级` }).check();
  if (figure !== undefined) await line.getByLabel(/用水量|流量/).fill(String(figure));
  return line;
}

async function expectVerdicts(page, verdicts) {
  await expect(lines(page)).toHaveCount(verdicts.length);
  for (let i = 0; i < verdicts.length; i++) {
    await expect(lines(page).nth(i).locator('.line-head')).toContainText(verdicts[i]);
  }
}

/// The day `days` after today in China, as a date field takes it.
function chinaDay(days) {
  return new Date(Date.now() + 8 * 3600 * 1000 + days * 86400 * 1000).toISOString().slice(0, 10);
}

test('a full shop visit: five lines judged as typed, kept through a reload and a closed tab offline, submitted once', async ({ page, context }) => {
  test.setTimeout(120_000);
  const url = await startCheck(page);
  const id = url.split('/').pop();

  // The shop front first.
  await page.getByLabel('拍照').setInputFiles([photoTakenAgo('photo-at-shop.jpg').file]);
  await expect(page.getByRole('link', { name: '已上传' })).toHaveCount(1, { timeout: 20_000 });

  // A grade-3 faucet: grade 3 is only the market-entry limit.
  const faucet = await addLine(page, '水嘴', { brand: '九牧', model: 'JM-3', grade: 3, figure: 0.14 });
  await expect(faucet.locator('.line-head')).toContainText('非节水');
  await expect(faucet).toContainText('3 级是水效限定值（市场准入）');
  await shot(page, 'visit-faucet');
  await expectNoHorizontalScroll(page);
  // An unlabelled shower, long past the label's grace date.
  const shower = await addLine(page, '淋浴器', { brand: '华艺', model: 'HY-S1', label: false });
  await expect(shower.locator('.line-head')).toContainText('标识违规');
  await expect(shower).toContainText('2023-07-01');
  // A water-saving toilet.
  await addLine(page, '坐便器', { brand: '恒洁', model: 'H0126', grade: 1, figure: 3.8 });
  await expectVerdicts(page, ['非节水', '标识违规', '节水']);
  await shot(page, 'visit-three-lines');

  // A reload in the middle, before the phone has necessarily saved: every typed field is there.
  await page.reload();
  await expectVerdicts(page, ['非节水', '标识违规', '节水']);
  await lines(page).nth(0).getByRole('button', { name: '编辑' }).tap();
  await expect(lines(page).nth(0).getByLabel('品牌')).toHaveValue('九牧');
  await expect(lines(page).nth(0).getByLabel('型号')).toHaveValue('JM-3');
  await expect(lines(page).nth(0).getByRole('radio', { name: '3级' })).toBeChecked();
  await expect(lines(page).nth(0).getByLabel('流量')).toHaveValue('0.14');
  await expect(page.getByRole('status').filter({ hasText: '已保存到服务器' })).toBeVisible({ timeout: 15_000 });
  await expectThumbSizedTargets(page);
  await shot(page, 'visit-after-reload');

  // No connection: two more lines and a label photo wait on the phone.
  await context.setOffline(true);
  const squat = await addLine(page, '蹲便器', { brand: '惠达', model: 'HD-D5', label: false, figure: 5.0 });
  await expect(squat.locator('.line-head')).toContainText('节水');
  await squat.getByLabel('拍标识/产品照片').setInputFiles([photoTakenAgo('photo-at-shop.jpg').file]);
  await addLine(page, '小便器', { brand: '箭牌', model: 'AR-U1', grade: 1, figure: 0.5 });
  await expectVerdicts(page, ['非节水', '标识违规', '节水', '节水', '节水']);
  const status = page.getByRole('status').filter({ hasText: '待上传' });
  await expect(status).toContainText('2 条产品待上传');
  await expect(status).toContainText('1 张照片待上传');
  await shot(page, 'visit-offline');

  // The tab is closed and opened again, still offline: lines and photo are still there.
  await page.close();
  const again = await context.newPage();
  await again.goto(url);
  await expect(again.getByRole('heading', { level: 1, name: SHOP })).toBeVisible();
  await expectVerdicts(again, ['非节水', '标识违规', '节水', '节水', '节水']);
  await expect(again.getByRole('status').filter({ hasText: '待上传' })).toContainText('1 张照片待上传');
  await shot(again, 'visit-reopened-offline');

  // The connection returns: the photo uploads, once, and the draft is saved.
  await context.setOffline(false);
  await expect(lines(again).nth(3).getByRole('link', { name: '已上传' })).toBeVisible({ timeout: 30_000 });
  await expect(again.getByRole('status').filter({ hasText: '已保存到服务器' })).toBeVisible({ timeout: 15_000 });
  const record = await (await again.request.get(`/api/inspections/${id}`)).json();
  expect(record.lines.map((l) => l.brand)).toEqual(['九牧', '华艺', '恒洁', '惠达', '箭牌']);
  const squatId = record.lines[3].id;
  expect(record.photos.filter((p) => p.line_id === squatId)).toHaveLength(1);
  expect(record.photos.filter((p) => p.line_id === null)).toHaveLength(1);

  // The outcome the rules suggest, with its deadline; then submit.
  await expect(again.getByRole('region', { name: '处理结果' })).toContainText('系统建议： 限期整改');
  await expect(again.getByRole('radio', { name: '限期整改' })).toBeChecked();
  await again.getByLabel('整改期限').fill(chinaDay(14));
  await shot(again, 'visit-outcome');
  await again.getByRole('button', { name: '提交检查' }).tap();
  await expect(again.getByText('已提交', { exact: false }).first()).toBeVisible({ timeout: 15_000 });
  await expect(again.getByRole('button', { name: '提交检查' })).toHaveCount(0);
  await expectNoHorizontalScroll(again);
  await shot(again, 'visit-submitted');

  // It is in the inspector's list of today's checks, with its lines and violations.
  await again.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '今日' }).tap();
  const today = again.getByRole('list', { name: '今天' });
  const item = today.getByRole('listitem').filter({ hasText: SHOP }).filter({ hasText: '已提交' });
  await expect(item.first()).toContainText('5 个产品');
  await expect(item.first()).toContainText('2 个不合格');
  await shot(again, 'visit-in-list');
});

test('each page loads only its own script, within 100 KB: today its islands, the check and audit pages no island', async ({ browser, page }) => {
  const url = await startCheck(page);
  // And an audit, whose page loads its own script beside the same domain module.
  await page.goto(`/today?q=${encodeURIComponent('湖滨花园')}`);
  await page.getByRole('button', { name: '开始评审 湖滨花园' }).tap();
  await expect(page).toHaveURL(/\/checks\/[0-9a-f-]{36}$/);
  const auditUrl = page.url();
  const state = await page.context().storageState();
  const measure = async (path) => {
    const ctx = await browser.newContext({ storageState: state, viewport: { width: 390, height: 844 } });
    const p = await ctx.newPage();
    const files = [];
    p.on('requestfinished', async (req) => {
      if (/\.(js|wasm)(\?|$)/.test(req.url())) files.push({ url: new URL(req.url()).pathname, size: (await req.sizes()).responseBodySize });
    });
    await p.goto(path);
    await p.waitForLoadState('networkidle');
    await ctx.close();
    return files;
  };
  for (const [path, own, foreign] of [
    ['/today', ['/pkg/jieshui.wasm'], ['/pkg/phone_bg.wasm']],
    [new URL(url).pathname, ['/pkg/phone_bg.wasm', '/pkg/visit.js'], ['/pkg/jieshui.wasm', '/pkg/audit.js']],
    [new URL(auditUrl).pathname, ['/pkg/phone_bg.wasm', '/pkg/audit.js'], ['/pkg/jieshui.wasm', '/pkg/visit.js']],
  ]) {
    const files = await measure(path);
    const total = files.reduce((a, f) => a + f.size, 0);
    console.log(`${path}: ${(total / 1024).toFixed(1)} KB of JS + WASM in ${files.length} files: ${files.map((f) => f.url).join(' ')}`);
    for (const f of own) expect(files.map((x) => x.url)).toContain(f);
    for (const f of foreign) expect(files.map((x) => x.url)).not.toContain(f);
    expect(total).toBeLessThanOrEqual(100 * 1024);
  }
  // A page with no script downloads none.
  expect(await measure('/account')).toEqual([]);
});
