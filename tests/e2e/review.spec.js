// Review with two phones at once: the inspector submits a check with a violation; the supervisor
// returns it with a comment on that line; the inspector sees the comment beside the line, fixes it
// and resubmits; the supervisor approves; the shop's rectification order appears with its deadline;
// the inspector's re-inspection, once approved, closes it.
const { test, expect } = require('@playwright/test');
const { signIn, shot, expectNoHorizontalScroll, expectThumbSizedTargets, photoTakenAgo } = require('./helpers');

const SHOP = '箭牌卫浴（开发区店）';

function chinaDay(days) {
  return new Date(Date.now() + 8 * 3600 * 1000 + days * 86400 * 1000).toISOString().slice(0, 10);
}

function lines(page) {
  return page.getByRole('list', { name: '在售产品' }).locator(':scope > li');
}

/// From the inspector's home, a check at the shop found by name; returns its page's URL.
async function startAt(page, button) {
  await page.goto(`/today?q=${encodeURIComponent(SHOP)}`);
  await page.getByRole('button', { name: `${button} ${SHOP}` }).tap();
  await expect(page).toHaveURL(/\/checks\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('button', { name: '坐便器', exact: true })).toBeVisible();
  await page.waitForLoadState('networkidle');
  return page.url();
}

async function addLine(page, category, { brand, model, grade, figure }) {
  const before = await lines(page).count();
  await page.getByRole('button', { name: category, exact: true }).tap();
  await expect(lines(page)).toHaveCount(before + 1);
  const line = lines(page).nth(before);
  await line.getByLabel('品牌').fill(brand);
  await line.getByLabel('型号').fill(model);
  await line.getByRole('radio', { name: `${grade}级` }).check();
  await line.getByLabel(/用水量|流量/).fill(String(figure));
  return line;
}

async function submitCheck(page) {
  await expect(page.getByRole('status').filter({ hasText: '已保存到服务器' })).toBeVisible({ timeout: 15_000 });
  await page.getByRole('button', { name: '提交检查' }).tap();
  await expect(page.getByRole('button', { name: '提交检查' })).toHaveCount(0, { timeout: 15_000 });
}

/// The supervisor opens the record of the shop waiting in the queue.
async function openFromQueue(page) {
  await page.goto('/review');
  const item = page.getByRole('list', { name: /等待审核/ }).getByRole('link').filter({ hasText: SHOP });
  await expect(item).toHaveCount(1);
  await item.tap();
  await expect(page.getByRole('heading', { level: 1, name: SHOP })).toBeVisible();
}

test('return with a line comment, fix, resubmit, approve, order, re-inspection closes it', async ({ browser }) => {
  test.setTimeout(180_000);
  const inspectorCtx = await browser.newContext();
  const supervisorCtx = await browser.newContext();
  const insp = await inspectorCtx.newPage();
  const sup = await supervisorCtx.newPage();

  // The inspector: a grade-3 faucet (not water-saving), the shop front, rectify in two weeks.
  await signIn(insp, 'inspector');
  await expect(insp).toHaveURL('/today');
  const url = await startAt(insp, '开始检查');
  await insp.getByLabel('拍照').setInputFiles([photoTakenAgo('photo-at-shop.jpg').file]);
  await expect(insp.getByRole('link', { name: '已上传' })).toHaveCount(1, { timeout: 20_000 });
  const faucet = await addLine(insp, '水嘴', { brand: '九牧', model: 'JM-3', grade: 3, figure: 0.14 });
  await expect(faucet.locator('.line-head')).toContainText('非节水');
  await expect(insp.getByRole('radio', { name: '限期整改' })).toBeChecked();
  await insp.getByLabel('整改期限').fill(chinaDay(14));
  await submitCheck(insp);

  // The supervisor: the count on the navigation, the record with its evidence, a line comment.
  await signIn(sup, 'supervisor');
  await expect(sup).toHaveURL(/\/review/);
  await expect(sup.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: /审核/ }))
    .toContainText(/\d/);
  await shot(sup, 'review-queue');
  await expectNoHorizontalScroll(sup);
  await openFromQueue(sup);
  await expect(sup.getByRole('region', { name: '照片证据' })).toContainText('开始检查时的位置');
  await sup.getByLabel(/对此产品的意见/).fill('等级标识看不清，请补拍并核对型号');
  await shot(sup, 'review-record');
  await expectNoHorizontalScroll(sup);
  await expectThumbSizedTargets(sup);
  await sup.getByRole('button', { name: '退回修改' }).tap();
  await expect(sup.getByRole('status').filter({ hasText: '已记录审核结果' })).toBeVisible();

  // The inspector: the returned check first on the home page, the comment beside its line.
  await insp.goto('/today');
  const returned = insp.getByRole('list', { name: '退回待修改' });
  await expect(returned.getByRole('link').filter({ hasText: SHOP })).toHaveCount(1);
  await shot(insp, 'review-returned-home');
  await returned.getByRole('link').filter({ hasText: SHOP }).tap();
  await expect(insp).toHaveURL(url);
  await expect(insp.getByRole('button', { name: '坐便器', exact: true })).toBeVisible();
  const line = lines(insp).first();
  await expect(line.getByRole('note')).toContainText('等级标识看不清，请补拍并核对型号');
  await shot(insp, 'review-comment-beside-line');
  // The fix: the right model, and a label photo for the line.
  await line.getByRole('button', { name: '编辑' }).tap();
  await line.getByLabel('型号').fill('JM-3A');
  await line.getByLabel('拍标识/产品照片').setInputFiles([photoTakenAgo('photo-at-shop.jpg').file]);
  await expect(line.getByRole('link', { name: '已上传' })).toHaveCount(1, { timeout: 20_000 });
  await submitCheck(insp);

  // The supervisor: round 2 in the queue; approved.
  await sup.goto('/review');
  await expect(sup.getByRole('list', { name: /等待审核/ }).getByRole('link').filter({ hasText: SHOP }))
    .toContainText('提交轮次 2');
  await openFromQueue(sup);
  await expect(sup.getByRole('region', { name: '审核记录' })).toContainText('等级标识看不清');
  await sup.getByRole('button', { name: '审核通过' }).tap();
  await expect(sup.getByRole('status').filter({ hasText: '已记录审核结果' })).toBeVisible();

  // The order: on the rectifications page, with its deadline.
  await sup.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '整改' }).tap();
  const order = sup.getByRole('listitem').filter({ hasText: SHOP });
  await expect(order).toContainText(`整改期限 ${chinaDay(14)}`);
  await expect(order).toContainText('未关闭');
  await expect(order).toContainText('九牧 JM-3A');
  await shot(sup, 'review-order');
  await expectNoHorizontalScroll(sup);

  // The inspector re-inspects from the order: the shop now sells a water-saving faucet.
  await insp.goto('/rectifications');
  await insp.getByRole('button', { name: `复查 ${SHOP}` }).tap();
  await expect(insp).toHaveURL(/\/checks\/[0-9a-f-]{36}$/);
  await expect(insp.getByText('本次为复查，对应整改单')).toBeVisible();
  await expect(insp.getByRole('button', { name: '坐便器', exact: true })).toBeVisible();
  await insp.waitForLoadState('networkidle');
  await insp.getByLabel('拍照').setInputFiles([photoTakenAgo('photo-at-shop.jpg').file]);
  await expect(insp.getByRole('link', { name: '已上传' })).toHaveCount(1, { timeout: 20_000 });
  await addLine(insp, '水嘴', { brand: '九牧', model: 'JM-1', grade: 1, figure: 0.1 });
  await expect(insp.getByRole('radio', { name: '合格' })).toBeChecked();
  await submitCheck(insp);

  // Approved: the order is closed.
  await openFromQueue(sup);
  await sup.getByRole('button', { name: '审核通过' }).tap();
  await expect(sup.getByRole('status').filter({ hasText: '已记录审核结果' })).toBeVisible();
  await sup.goto('/rectifications');
  await expect(sup.getByRole('listitem').filter({ hasText: SHOP })).toHaveCount(0);
  await sup.goto('/rectifications?all=1');
  await expect(sup.getByRole('listitem').filter({ hasText: SHOP })).toContainText('已关闭');
  await shot(sup, 'review-order-closed');

  await inspectorCtx.close();
  await supervisorCtx.close();
});
