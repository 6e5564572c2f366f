// An audit from the phone to the title: the inspector audits a demo community item by item, marks
// one item not applicable, attaches a photo to the two items that need one, counts the toilets (the
// fixture-rate item follows the counts) and judges the urinals from their label,
// corrects the households, watches the total and the pass, and submits; the supervisor approves
// and recommends it; the administrator records the title awarded, linked to the audit.
const { test, expect } = require('@playwright/test');
const { signIn, shot, expectNoHorizontalScroll, expectThumbSizedTargets, photoTakenAgo } = require('./helpers');

const SITE = '湖滨花园';

test('audit a community, approve it, record the title from it', async ({ browser }) => {
  test.setTimeout(240_000);
  const insp = await (await browser.newContext()).newPage();
  const sup = await (await browser.newContext()).newPage();
  const admin = await (await browser.newContext()).newPage();

  // The auditor stands in the community (湖滨花园 in the demo data).
  await insp.context().setGeolocation({ latitude: 36.4488, longitude: 115.9655, accuracy: 10 });
  await signIn(insp, 'inspector');
  await expect(insp).toHaveURL('/today');
  await insp.waitForLoadState('networkidle');
  await insp.getByRole('button', { name: '按我的位置排序' }).tap();
  await expect(insp).toHaveURL(/lat=/);
  await insp.getByRole('button', { name: `开始评审 ${SITE}` }).tap();
  await expect(insp).toHaveURL(/\/checks\/[0-9a-f-]{36}$/);
  const url = insp.url();
  const bar = insp.getByRole('region', { name: '得分' });
  await expect(bar).toBeVisible();
  await expect(bar).toContainText('合格线 90');
  await expect(bar).toContainText('未达合格线');
  await expect(insp.locator('#audit')).not.toContainText(/null|undefined|NaN/);
  await insp.waitForLoadState('networkidle');
  await expectNoHorizontalScroll(insp);
  await expectThumbSizedTargets(insp);

  // Every item scored: points in full, met, or the measured value at its target; greening N/A.
  const cards = insp.locator('#audit li.item-card');
  const n = await cards.count();
  expect(n).toBeGreaterThan(8);
  for (let i = 0; i < n; i += 1) {
    const card = cards.nth(i);
    const req = await card.locator('.item-req').textContent();
    if (req.includes('绿化采用节水灌溉')) {
      await card.getByRole('checkbox', { name: '不适用' }).check();
      await expect(card.getByRole('radio', { name: '达标', exact: true })).toBeDisabled();
      continue;
    }
    const met = card.getByRole('radio', { name: '达标', exact: true });
    if (await met.count()) {
      await met.check();
      continue;
    }
    const box = card.getByRole('spinbutton');
    const label = await box.getAttribute('aria-label');
    const target = label.match(/目标 [≥≤] ([\d.]+)/);
    const max = label.match(/0–([\d.]+)/);
    await box.fill(target ? target[1] : max[1]);
  }
  // The two items that need a photo say so until they have one.
  const needing = insp.locator('#audit li.item-card.item-needs');
  await expect(needing).toHaveCount(2);
  for (const item of ['开展节水宣传', '一户一表']) {
    const card = insp.getByRole('listitem').filter({ hasText: item }).filter({ has: insp.locator('.item-req') });
    await card.getByLabel(/本项照片/).setInputFiles([photoTakenAgo('photo-at-community.jpg').file]);
    await expect(card.getByRole('link', { name: '已上传' })).toHaveCount(1, { timeout: 20_000 });
  }
  await expect(needing).toHaveCount(0);

  // Toilets counted: 40 installed, 39 water-saving: 97.5 %, which the fixture-rate item takes.
  await insp.getByRole('combobox', { name: '添加器具类别' }).selectOption({ label: '坐便器' });
  await insp.getByRole('button', { name: '添加器具类别' }).tap();
  await insp.getByLabel('安装数 · 坐便器').fill('40');
  await insp.getByLabel('其中节水 · 坐便器').fill('39');
  await expect(insp.getByRole('status').filter({ hasText: '节水器具普及率' })).toHaveText('节水器具普及率 97.5%');
  const rateItem = insp.getByRole('listitem').filter({ hasText: '节水器具普及率 100 %' });
  await expect(rateItem.getByRole('spinbutton')).toHaveValue('97.5');
  await expect(rateItem.locator('.item-points')).toHaveText('5 / 10');
  // Ten urinals judged from the label read on them: grade 3 is not water-saving, grade 1 is.
  await insp.getByRole('combobox', { name: '添加器具类别' }).selectOption({ label: '小便器' });
  await insp.getByRole('button', { name: '添加器具类别' }).tap();
  await insp.getByLabel('安装数 · 小便器').fill('10');
  await insp.getByRole('checkbox', { name: '按水效标识判定 · 小便器' }).check();
  await expect(insp.getByLabel('其中节水 · 小便器')).toHaveCount(0);
  const urinals = insp.locator('.count-row[data-category="urinal"]');
  await urinals.getByRole('radio', { name: '3级' }).check();
  await expect(urinals.getByRole('status')).toContainText('其中节水 0 / 10');
  await expect(insp.getByRole('status').filter({ hasText: '节水器具普及率' })).toHaveText('节水器具普及率 78%');
  await urinals.getByRole('radio', { name: '1级' }).check();
  await expect(urinals.getByRole('status')).toContainText('其中节水 10 / 10');
  // 49 of 50: 98 %, 2 points off per point short of 100 %.
  await expect(insp.getByRole('status').filter({ hasText: '节水器具普及率' })).toHaveText('节水器具普及率 98%');
  await expect(rateItem.getByRole('spinbutton')).toHaveValue('98');
  await expect(rateItem.locator('.item-points')).toHaveText('6 / 10');

  // The households corrected; the registry's figure is shown beside it.
  const households = insp.getByLabel(/核实户数/);
  await expect(households).toHaveAccessibleName(/登记为 960/);
  await households.fill('1012');
  // Scrolled down to the facts, the score bar is still in view below the top bar, not under it.
  const hidden = await bar.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return r.top < 0 || !el.contains(at);
  });
  expect(hidden).toBe(false);

  // 91 of the 95 applicable points (greening out; 4 off for the fixture rate), 95.8 of 100: a pass.
  await expect(bar).toContainText('91 / 95');
  await expect(bar).toContainText('95.8');
  await expect(bar).toContainText('达到合格线');
  await expect(insp.getByRole('status').filter({ hasText: '已保存到服务器' })).toBeVisible({ timeout: 15_000 });
  await shot(insp, 'audit-editor');
  await insp.getByRole('button', { name: '提交评审' }).tap();
  await expect(insp.getByRole('button', { name: '提交评审' })).toHaveCount(0, { timeout: 15_000 });
  await expect(insp.getByText('已提交', { exact: true })).toBeVisible();
  await expect(insp.getByRole('region', { name: '场所基本情况' })).toContainText('核实户数 1012');

  // The supervisor approves it from the queue, then recommends it for a provincial title.
  await signIn(sup, 'supervisor');
  await expect(sup).not.toHaveURL(/\/login/);
  await sup.goto('/review');
  await sup.getByRole('list', { name: /等待审核/ }).getByRole('link').filter({ hasText: SITE }).tap();
  await expect(sup.getByRole('heading', { level: 1, name: SITE })).toBeVisible();
  await expect(sup.locator('body')).toContainText('达到合格线');
  // Started and photographed in the community: no flag on the start or the photos.
  const evidence = sup.getByRole('region', { name: '照片证据' });
  await expect(evidence).toContainText('开始检查时的位置');
  await expect(evidence).not.toContainText('没有取得位置');
  await expect(evidence).not.toContainText('不在网点范围内');
  // An audit has no outcome to correct: approve or return only.
  await expect(sup.getByText('更正处理结果')).toHaveCount(0);
  await expect(sup.getByRole('button', { name: '退回修改' })).toBeVisible();
  await sup.getByRole('button', { name: '审核通过' }).tap();
  await expect(sup.getByRole('status').filter({ hasText: '已记录审核结果' })).toBeVisible();
  await sup.goto(url);
  await expect(sup.locator('body')).toContainText('评审通过后，核实的数据已写入场所登记');
  await sup.getByRole('combobox', { name: '级别' }).selectOption({ label: '省级' });
  await sup.getByRole('button', { name: '推荐申报称号' }).tap();
  await expect(sup.getByRole('region', { name: '节水称号' })).toContainText('已推荐申报 省级');
  await shot(sup, 'audit-approved');

  // The administrator records the title awarded, linked to the audit.
  await signIn(admin, 'admin');
  await expect(admin).not.toHaveURL(/\/login/);
  await admin.goto(url);
  const titles = admin.getByRole('region', { name: '节水称号' });
  // Awarded today in the city (a title cannot be older than its audit).
  const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
  await titles.getByLabel('授予日期').fill(today);
  await titles.getByLabel('文号').fill('鲁水节〔2026〕30号');
  await titles.getByRole('button', { name: '登记已授予的称号' }).tap();
  await expect(titles.getByRole('status')).toHaveText('称号已登记，并关联到这次评审。');
  await expect(titles).toContainText(`省级 · 鲁水节〔2026〕30号 · ${today}`);
  await expect(titles.getByRole('button', { name: '登记已授予的称号' })).toHaveCount(0);
  await shot(admin, 'audit-title');
  await expectNoHorizontalScroll(admin);

  // On the site's page the title points to the audit behind it, and the households are the audit's.
  await admin.goto(`/admin/sites?q=${encodeURIComponent(SITE)}`);
  await admin.getByRole('link', { name: SITE }).first().tap();
  const listed = admin.getByRole('region', { name: '节水称号' });
  await expect(listed).toContainText('鲁水节〔2026〕30号');
  await listed.getByRole('link', { name: '依据评审' }).tap();
  await expect(admin).toHaveURL(url);
});
